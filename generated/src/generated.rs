// Generated from openapi/backend-api.json by `cargo xtask client`: progenitor, formatted by prettyplease.
// Do not edit by hand: change the doc, run `cargo xtask openapi`, then `cargo xtask client`.
// Left to generated/src/lib.rs (progenitor cannot generate multipart/form-data): post_upload.

#[allow(unused_imports)]
pub use progenitor_client::{ByteStream, ClientInfo, Error, ResponseValue};
#[allow(unused_imports)]
use progenitor_client::{encode_path, ClientHooks, OperationInfo, RequestBuilderExt};
/// Types used as operation parameters and responses.
#[allow(clippy::all)]
pub mod types {
    ///`DeleteTaskBody`
    #[derive(::serde::Deserialize, ::serde::Serialize, Clone, Debug, Default)]
    pub struct DeleteTaskBody {
        #[serde(skip_serializing_if = "::std::option::Option::is_none")]
        pub ids: ::std::option::Option<::std::vec::Vec<i64>>,
    }
    impl DeleteTaskBody {
        pub fn builder() -> builder::DeleteTaskBody {
            Default::default()
        }
    }
    ///`DeleteTaskResponse`
    #[derive(::serde::Deserialize, ::serde::Serialize, Clone, Debug)]
    pub struct DeleteTaskResponse {
        pub code: i64,
        pub error: ::std::string::String,
        pub msg: ::std::string::String,
    }
    impl DeleteTaskResponse {
        pub fn builder() -> builder::DeleteTaskResponse {
            Default::default()
        }
    }
    ///The error envelope: `code` from `x-error-codes`, `error` its name, `msg` what was wrong.
    #[derive(::serde::Deserialize, ::serde::Serialize, Clone, Debug)]
    pub struct Error {
        pub code: i64,
        pub error: ::std::string::String,
        pub msg: ::std::string::String,
    }
    impl Error {
        pub fn builder() -> builder::Error {
            Default::default()
        }
    }
    ///`GetHolaResponse`
    #[derive(::serde::Deserialize, ::serde::Serialize, Clone, Debug)]
    pub struct GetHolaResponse {
        pub code: i64,
        pub error: ::std::string::String,
        pub msg: ::std::string::String,
    }
    impl GetHolaResponse {
        pub fn builder() -> builder::GetHolaResponse {
            Default::default()
        }
    }
    ///`GetTaskResponse`
    #[derive(::serde::Deserialize, ::serde::Serialize, Clone, Debug)]
    pub struct GetTaskResponse {
        pub code: i64,
        pub data: TaskDetail,
        pub error: ::std::string::String,
        pub msg: ::std::string::String,
    }
    impl GetTaskResponse {
        pub fn builder() -> builder::GetTaskResponse {
            Default::default()
        }
    }
    ///`GetTasksResponse`
    #[derive(::serde::Deserialize, ::serde::Serialize, Clone, Debug)]
    pub struct GetTasksResponse {
        pub code: i64,
        pub error: ::std::string::String,
        #[serde(deserialize_with = "::std::option::Option::deserialize")]
        pub items: ::std::option::Option<::std::vec::Vec<TaskItem>>,
        pub msg: ::std::string::String,
        pub total: i64,
    }
    impl GetTasksResponse {
        pub fn builder() -> builder::GetTasksResponse {
            Default::default()
        }
    }
    ///`LoginData`
    #[derive(::serde::Deserialize, ::serde::Serialize, Clone, Debug)]
    pub struct LoginData {
        pub name: ::std::string::String,
        pub perm: u64,
        pub role: u32,
        pub uid: i64,
    }
    impl LoginData {
        pub fn builder() -> builder::LoginData {
            Default::default()
        }
    }
    ///`PostLoginBody`
    #[derive(::serde::Deserialize, ::serde::Serialize, Clone, Debug, Default)]
    pub struct PostLoginBody {
        #[serde(default)]
        pub name: ::std::string::String,
        #[serde(default)]
        pub password: ::std::string::String,
    }
    impl PostLoginBody {
        pub fn builder() -> builder::PostLoginBody {
            Default::default()
        }
    }
    ///`PostLoginResponse`
    #[derive(::serde::Deserialize, ::serde::Serialize, Clone, Debug)]
    pub struct PostLoginResponse {
        pub code: i64,
        pub data: LoginData,
        pub error: ::std::string::String,
        pub msg: ::std::string::String,
    }
    impl PostLoginResponse {
        pub fn builder() -> builder::PostLoginResponse {
            Default::default()
        }
    }
    ///`PostLogoutResponse`
    #[derive(::serde::Deserialize, ::serde::Serialize, Clone, Debug)]
    pub struct PostLogoutResponse {
        pub code: i64,
        pub error: ::std::string::String,
        pub msg: ::std::string::String,
    }
    impl PostLogoutResponse {
        pub fn builder() -> builder::PostLogoutResponse {
            Default::default()
        }
    }
    ///`PostTaskBody`
    #[derive(::serde::Deserialize, ::serde::Serialize, Clone, Debug, Default)]
    pub struct PostTaskBody {
        ///任务输入
        #[serde(default)]
        pub input: ::std::string::String,
        ///备注
        #[serde(default)]
        pub note: ::std::string::String,
        ///任务优先级
        #[serde(default)]
        pub priority: i8,
        ///任务类型
        #[serde(rename = "type", skip_serializing_if = "::std::option::Option::is_none")]
        pub type_: ::std::option::Option<PostTaskBodyType>,
    }
    impl PostTaskBody {
        pub fn builder() -> builder::PostTaskBody {
            Default::default()
        }
    }
    ///任务类型
    #[derive(
        ::serde::Deserialize,
        ::serde::Serialize,
        Clone,
        Copy,
        Debug,
        Eq,
        Hash,
        Ord,
        PartialEq,
        PartialOrd
    )]
    pub enum PostTaskBodyType {
        #[serde(rename = "image")]
        Image,
        #[serde(rename = "video")]
        Video,
    }
    impl ::std::fmt::Display for PostTaskBodyType {
        fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
            match *self {
                Self::Image => f.write_str("image"),
                Self::Video => f.write_str("video"),
            }
        }
    }
    impl ::std::str::FromStr for PostTaskBodyType {
        type Err = self::error::ConversionError;
        fn from_str(
            value: &str,
        ) -> ::std::result::Result<Self, self::error::ConversionError> {
            match value {
                "image" => Ok(Self::Image),
                "video" => Ok(Self::Video),
                _ => Err("invalid value".into()),
            }
        }
    }
    impl ::std::convert::TryFrom<&str> for PostTaskBodyType {
        type Error = self::error::ConversionError;
        fn try_from(
            value: &str,
        ) -> ::std::result::Result<Self, self::error::ConversionError> {
            value.parse()
        }
    }
    impl ::std::convert::TryFrom<::std::string::String> for PostTaskBodyType {
        type Error = self::error::ConversionError;
        fn try_from(
            value: ::std::string::String,
        ) -> ::std::result::Result<Self, self::error::ConversionError> {
            value.parse()
        }
    }
    ///`PostTaskResponse`
    #[derive(::serde::Deserialize, ::serde::Serialize, Clone, Debug)]
    pub struct PostTaskResponse {
        pub code: i64,
        pub error: ::std::string::String,
        pub msg: ::std::string::String,
    }
    impl PostTaskResponse {
        pub fn builder() -> builder::PostTaskResponse {
            Default::default()
        }
    }
    ///`PostUploadResponse`
    #[derive(::serde::Deserialize, ::serde::Serialize, Clone, Debug)]
    pub struct PostUploadResponse {
        pub code: i64,
        pub error: ::std::string::String,
        pub full_uri: ::std::string::String,
        pub msg: ::std::string::String,
        pub uri: ::std::string::String,
    }
    impl PostUploadResponse {
        pub fn builder() -> builder::PostUploadResponse {
            Default::default()
        }
    }
    ///`PutTaskBody`
    #[derive(::serde::Deserialize, ::serde::Serialize, Clone, Debug, Default)]
    pub struct PutTaskBody {
        #[serde(default)]
        pub id: i64,
        ///备注
        #[serde(default)]
        pub note: ::std::string::String,
        ///任务优先级
        #[serde(default)]
        pub priority: i8,
    }
    impl PutTaskBody {
        pub fn builder() -> builder::PutTaskBody {
            Default::default()
        }
    }
    ///`PutTaskResponse`
    #[derive(::serde::Deserialize, ::serde::Serialize, Clone, Debug)]
    pub struct PutTaskResponse {
        pub code: i64,
        pub error: ::std::string::String,
        pub msg: ::std::string::String,
    }
    impl PutTaskResponse {
        pub fn builder() -> builder::PutTaskResponse {
            Default::default()
        }
    }
    ///`PutTaskStatusBody`
    #[derive(::serde::Deserialize, ::serde::Serialize, Clone, Debug)]
    pub struct PutTaskStatusBody {
        #[serde(default)]
        pub id: i64,
        ///任务状态
        #[serde(default = "defaults::put_task_status_body_status")]
        pub status: PutTaskStatusBodyStatus,
    }
    impl ::std::default::Default for PutTaskStatusBody {
        fn default() -> Self {
            Self {
                id: Default::default(),
                status: defaults::put_task_status_body_status(),
            }
        }
    }
    impl PutTaskStatusBody {
        pub fn builder() -> builder::PutTaskStatusBody {
            Default::default()
        }
    }
    ///任务状态
    #[derive(::serde::Serialize, Clone, Debug)]
    #[serde(transparent)]
    pub struct PutTaskStatusBodyStatus(u8);
    impl ::std::ops::Deref for PutTaskStatusBodyStatus {
        type Target = u8;
        fn deref(&self) -> &u8 {
            &self.0
        }
    }
    impl ::std::convert::From<PutTaskStatusBodyStatus> for u8 {
        fn from(value: PutTaskStatusBodyStatus) -> Self {
            value.0
        }
    }
    impl ::std::default::Default for PutTaskStatusBodyStatus {
        fn default() -> Self {
            PutTaskStatusBodyStatus(0_u8)
        }
    }
    impl ::std::convert::TryFrom<u8> for PutTaskStatusBodyStatus {
        type Error = self::error::ConversionError;
        fn try_from(
            value: u8,
        ) -> ::std::result::Result<Self, self::error::ConversionError> {
            if ![0_u8, 2_u8, 1_u8, 3_u8].contains(&value) {
                Err("invalid value".into())
            } else {
                Ok(Self(value))
            }
        }
    }
    impl<'de> ::serde::Deserialize<'de> for PutTaskStatusBodyStatus {
        fn deserialize<D>(deserializer: D) -> ::std::result::Result<Self, D::Error>
        where
            D: ::serde::Deserializer<'de>,
        {
            Self::try_from(<u8>::deserialize(deserializer)?)
                .map_err(|e| { <D::Error as ::serde::de::Error>::custom(e.to_string()) })
        }
    }
    ///`PutTaskStatusResponse`
    #[derive(::serde::Deserialize, ::serde::Serialize, Clone, Debug)]
    pub struct PutTaskStatusResponse {
        pub code: i64,
        pub error: ::std::string::String,
        pub msg: ::std::string::String,
    }
    impl PutTaskStatusResponse {
        pub fn builder() -> builder::PutTaskStatusResponse {
            Default::default()
        }
    }
    ///`TaskDetail`
    #[derive(::serde::Deserialize, ::serde::Serialize, Clone, Debug)]
    pub struct TaskDetail {
        pub id: i64,
        ///任务输入
        pub input: ::std::string::String,
        ///备注
        pub note: ::std::string::String,
        ///任务优先级
        pub priority: i8,
        ///任务结果
        pub result: ::std::string::String,
        ///任务状态
        pub status: TaskDetailStatus,
        ///任务类型
        #[serde(rename = "type")]
        pub type_: TaskDetailType,
    }
    impl TaskDetail {
        pub fn builder() -> builder::TaskDetail {
            Default::default()
        }
    }
    ///任务状态
    #[derive(::serde::Serialize, Clone, Debug)]
    #[serde(transparent)]
    pub struct TaskDetailStatus(u8);
    impl ::std::ops::Deref for TaskDetailStatus {
        type Target = u8;
        fn deref(&self) -> &u8 {
            &self.0
        }
    }
    impl ::std::convert::From<TaskDetailStatus> for u8 {
        fn from(value: TaskDetailStatus) -> Self {
            value.0
        }
    }
    impl ::std::convert::TryFrom<u8> for TaskDetailStatus {
        type Error = self::error::ConversionError;
        fn try_from(
            value: u8,
        ) -> ::std::result::Result<Self, self::error::ConversionError> {
            if ![0_u8, 2_u8, 1_u8, 3_u8].contains(&value) {
                Err("invalid value".into())
            } else {
                Ok(Self(value))
            }
        }
    }
    impl<'de> ::serde::Deserialize<'de> for TaskDetailStatus {
        fn deserialize<D>(deserializer: D) -> ::std::result::Result<Self, D::Error>
        where
            D: ::serde::Deserializer<'de>,
        {
            Self::try_from(<u8>::deserialize(deserializer)?)
                .map_err(|e| { <D::Error as ::serde::de::Error>::custom(e.to_string()) })
        }
    }
    ///任务类型
    #[derive(
        ::serde::Deserialize,
        ::serde::Serialize,
        Clone,
        Copy,
        Debug,
        Eq,
        Hash,
        Ord,
        PartialEq,
        PartialOrd
    )]
    pub enum TaskDetailType {
        #[serde(rename = "image")]
        Image,
        #[serde(rename = "video")]
        Video,
    }
    impl ::std::fmt::Display for TaskDetailType {
        fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
            match *self {
                Self::Image => f.write_str("image"),
                Self::Video => f.write_str("video"),
            }
        }
    }
    impl ::std::str::FromStr for TaskDetailType {
        type Err = self::error::ConversionError;
        fn from_str(
            value: &str,
        ) -> ::std::result::Result<Self, self::error::ConversionError> {
            match value {
                "image" => Ok(Self::Image),
                "video" => Ok(Self::Video),
                _ => Err("invalid value".into()),
            }
        }
    }
    impl ::std::convert::TryFrom<&str> for TaskDetailType {
        type Error = self::error::ConversionError;
        fn try_from(
            value: &str,
        ) -> ::std::result::Result<Self, self::error::ConversionError> {
            value.parse()
        }
    }
    impl ::std::convert::TryFrom<::std::string::String> for TaskDetailType {
        type Error = self::error::ConversionError;
        fn try_from(
            value: ::std::string::String,
        ) -> ::std::result::Result<Self, self::error::ConversionError> {
            value.parse()
        }
    }
    ///`TaskItem`
    #[derive(::serde::Deserialize, ::serde::Serialize, Clone, Debug)]
    pub struct TaskItem {
        pub id: i64,
        ///备注
        pub note: ::std::string::String,
        ///任务优先级
        pub priority: i8,
        ///任务状态
        pub status: TaskItemStatus,
        ///任务类型
        #[serde(rename = "type")]
        pub type_: TaskItemType,
        ///用户信息
        pub user: UidName,
    }
    impl TaskItem {
        pub fn builder() -> builder::TaskItem {
            Default::default()
        }
    }
    ///任务状态
    #[derive(::serde::Serialize, Clone, Debug)]
    #[serde(transparent)]
    pub struct TaskItemStatus(u8);
    impl ::std::ops::Deref for TaskItemStatus {
        type Target = u8;
        fn deref(&self) -> &u8 {
            &self.0
        }
    }
    impl ::std::convert::From<TaskItemStatus> for u8 {
        fn from(value: TaskItemStatus) -> Self {
            value.0
        }
    }
    impl ::std::convert::TryFrom<u8> for TaskItemStatus {
        type Error = self::error::ConversionError;
        fn try_from(
            value: u8,
        ) -> ::std::result::Result<Self, self::error::ConversionError> {
            if ![0_u8, 2_u8, 1_u8, 3_u8].contains(&value) {
                Err("invalid value".into())
            } else {
                Ok(Self(value))
            }
        }
    }
    impl<'de> ::serde::Deserialize<'de> for TaskItemStatus {
        fn deserialize<D>(deserializer: D) -> ::std::result::Result<Self, D::Error>
        where
            D: ::serde::Deserializer<'de>,
        {
            Self::try_from(<u8>::deserialize(deserializer)?)
                .map_err(|e| { <D::Error as ::serde::de::Error>::custom(e.to_string()) })
        }
    }
    ///任务类型
    #[derive(
        ::serde::Deserialize,
        ::serde::Serialize,
        Clone,
        Copy,
        Debug,
        Eq,
        Hash,
        Ord,
        PartialEq,
        PartialOrd
    )]
    pub enum TaskItemType {
        #[serde(rename = "image")]
        Image,
        #[serde(rename = "video")]
        Video,
    }
    impl ::std::fmt::Display for TaskItemType {
        fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
            match *self {
                Self::Image => f.write_str("image"),
                Self::Video => f.write_str("video"),
            }
        }
    }
    impl ::std::str::FromStr for TaskItemType {
        type Err = self::error::ConversionError;
        fn from_str(
            value: &str,
        ) -> ::std::result::Result<Self, self::error::ConversionError> {
            match value {
                "image" => Ok(Self::Image),
                "video" => Ok(Self::Video),
                _ => Err("invalid value".into()),
            }
        }
    }
    impl ::std::convert::TryFrom<&str> for TaskItemType {
        type Error = self::error::ConversionError;
        fn try_from(
            value: &str,
        ) -> ::std::result::Result<Self, self::error::ConversionError> {
            value.parse()
        }
    }
    impl ::std::convert::TryFrom<::std::string::String> for TaskItemType {
        type Error = self::error::ConversionError;
        fn try_from(
            value: ::std::string::String,
        ) -> ::std::result::Result<Self, self::error::ConversionError> {
            value.parse()
        }
    }
    ///`UidName`
    #[derive(::serde::Deserialize, ::serde::Serialize, Clone, Debug)]
    pub struct UidName {
        ///用户名
        pub name: ::std::string::String,
        ///用户名
        pub uid: i64,
    }
    impl UidName {
        pub fn builder() -> builder::UidName {
            Default::default()
        }
    }
    /// Types for composing complex structures.
    pub mod builder {
        #[derive(Clone, Debug)]
        pub struct DeleteTaskBody {
            ids: ::std::result::Result<
                ::std::option::Option<::std::vec::Vec<i64>>,
                ::std::string::String,
            >,
        }
        impl ::std::default::Default for DeleteTaskBody {
            fn default() -> Self {
                Self {
                    ids: Ok(Default::default()),
                }
            }
        }
        impl DeleteTaskBody {
            pub fn ids<T>(mut self, value: T) -> Self
            where
                T: ::std::convert::TryInto<::std::option::Option<::std::vec::Vec<i64>>>,
                T::Error: ::std::fmt::Display,
            {
                self.ids = value
                    .try_into()
                    .map_err(|e| {
                        format!("error converting supplied value for ids: {e}")
                    });
                self
            }
        }
        impl ::std::convert::TryFrom<DeleteTaskBody> for super::DeleteTaskBody {
            type Error = super::error::ConversionError;
            fn try_from(
                value: DeleteTaskBody,
            ) -> ::std::result::Result<Self, super::error::ConversionError> {
                Ok(Self { ids: value.ids? })
            }
        }
        impl ::std::convert::From<super::DeleteTaskBody> for DeleteTaskBody {
            fn from(value: super::DeleteTaskBody) -> Self {
                Self { ids: Ok(value.ids) }
            }
        }
        #[derive(Clone, Debug)]
        pub struct DeleteTaskResponse {
            code: ::std::result::Result<i64, ::std::string::String>,
            error: ::std::result::Result<::std::string::String, ::std::string::String>,
            msg: ::std::result::Result<::std::string::String, ::std::string::String>,
        }
        impl ::std::default::Default for DeleteTaskResponse {
            fn default() -> Self {
                Self {
                    code: Err("no value supplied for code".to_string()),
                    error: Err("no value supplied for error".to_string()),
                    msg: Err("no value supplied for msg".to_string()),
                }
            }
        }
        impl DeleteTaskResponse {
            pub fn code<T>(mut self, value: T) -> Self
            where
                T: ::std::convert::TryInto<i64>,
                T::Error: ::std::fmt::Display,
            {
                self.code = value
                    .try_into()
                    .map_err(|e| {
                        format!("error converting supplied value for code: {e}")
                    });
                self
            }
            pub fn error<T>(mut self, value: T) -> Self
            where
                T: ::std::convert::TryInto<::std::string::String>,
                T::Error: ::std::fmt::Display,
            {
                self.error = value
                    .try_into()
                    .map_err(|e| {
                        format!("error converting supplied value for error: {e}")
                    });
                self
            }
            pub fn msg<T>(mut self, value: T) -> Self
            where
                T: ::std::convert::TryInto<::std::string::String>,
                T::Error: ::std::fmt::Display,
            {
                self.msg = value
                    .try_into()
                    .map_err(|e| {
                        format!("error converting supplied value for msg: {e}")
                    });
                self
            }
        }
        impl ::std::convert::TryFrom<DeleteTaskResponse> for super::DeleteTaskResponse {
            type Error = super::error::ConversionError;
            fn try_from(
                value: DeleteTaskResponse,
            ) -> ::std::result::Result<Self, super::error::ConversionError> {
                Ok(Self {
                    code: value.code?,
                    error: value.error?,
                    msg: value.msg?,
                })
            }
        }
        impl ::std::convert::From<super::DeleteTaskResponse> for DeleteTaskResponse {
            fn from(value: super::DeleteTaskResponse) -> Self {
                Self {
                    code: Ok(value.code),
                    error: Ok(value.error),
                    msg: Ok(value.msg),
                }
            }
        }
        #[derive(Clone, Debug)]
        pub struct Error {
            code: ::std::result::Result<i64, ::std::string::String>,
            error: ::std::result::Result<::std::string::String, ::std::string::String>,
            msg: ::std::result::Result<::std::string::String, ::std::string::String>,
        }
        impl ::std::default::Default for Error {
            fn default() -> Self {
                Self {
                    code: Err("no value supplied for code".to_string()),
                    error: Err("no value supplied for error".to_string()),
                    msg: Err("no value supplied for msg".to_string()),
                }
            }
        }
        impl Error {
            pub fn code<T>(mut self, value: T) -> Self
            where
                T: ::std::convert::TryInto<i64>,
                T::Error: ::std::fmt::Display,
            {
                self.code = value
                    .try_into()
                    .map_err(|e| {
                        format!("error converting supplied value for code: {e}")
                    });
                self
            }
            pub fn error<T>(mut self, value: T) -> Self
            where
                T: ::std::convert::TryInto<::std::string::String>,
                T::Error: ::std::fmt::Display,
            {
                self.error = value
                    .try_into()
                    .map_err(|e| {
                        format!("error converting supplied value for error: {e}")
                    });
                self
            }
            pub fn msg<T>(mut self, value: T) -> Self
            where
                T: ::std::convert::TryInto<::std::string::String>,
                T::Error: ::std::fmt::Display,
            {
                self.msg = value
                    .try_into()
                    .map_err(|e| {
                        format!("error converting supplied value for msg: {e}")
                    });
                self
            }
        }
        impl ::std::convert::TryFrom<Error> for super::Error {
            type Error = super::error::ConversionError;
            fn try_from(
                value: Error,
            ) -> ::std::result::Result<Self, super::error::ConversionError> {
                Ok(Self {
                    code: value.code?,
                    error: value.error?,
                    msg: value.msg?,
                })
            }
        }
        impl ::std::convert::From<super::Error> for Error {
            fn from(value: super::Error) -> Self {
                Self {
                    code: Ok(value.code),
                    error: Ok(value.error),
                    msg: Ok(value.msg),
                }
            }
        }
        #[derive(Clone, Debug)]
        pub struct GetHolaResponse {
            code: ::std::result::Result<i64, ::std::string::String>,
            error: ::std::result::Result<::std::string::String, ::std::string::String>,
            msg: ::std::result::Result<::std::string::String, ::std::string::String>,
        }
        impl ::std::default::Default for GetHolaResponse {
            fn default() -> Self {
                Self {
                    code: Err("no value supplied for code".to_string()),
                    error: Err("no value supplied for error".to_string()),
                    msg: Err("no value supplied for msg".to_string()),
                }
            }
        }
        impl GetHolaResponse {
            pub fn code<T>(mut self, value: T) -> Self
            where
                T: ::std::convert::TryInto<i64>,
                T::Error: ::std::fmt::Display,
            {
                self.code = value
                    .try_into()
                    .map_err(|e| {
                        format!("error converting supplied value for code: {e}")
                    });
                self
            }
            pub fn error<T>(mut self, value: T) -> Self
            where
                T: ::std::convert::TryInto<::std::string::String>,
                T::Error: ::std::fmt::Display,
            {
                self.error = value
                    .try_into()
                    .map_err(|e| {
                        format!("error converting supplied value for error: {e}")
                    });
                self
            }
            pub fn msg<T>(mut self, value: T) -> Self
            where
                T: ::std::convert::TryInto<::std::string::String>,
                T::Error: ::std::fmt::Display,
            {
                self.msg = value
                    .try_into()
                    .map_err(|e| {
                        format!("error converting supplied value for msg: {e}")
                    });
                self
            }
        }
        impl ::std::convert::TryFrom<GetHolaResponse> for super::GetHolaResponse {
            type Error = super::error::ConversionError;
            fn try_from(
                value: GetHolaResponse,
            ) -> ::std::result::Result<Self, super::error::ConversionError> {
                Ok(Self {
                    code: value.code?,
                    error: value.error?,
                    msg: value.msg?,
                })
            }
        }
        impl ::std::convert::From<super::GetHolaResponse> for GetHolaResponse {
            fn from(value: super::GetHolaResponse) -> Self {
                Self {
                    code: Ok(value.code),
                    error: Ok(value.error),
                    msg: Ok(value.msg),
                }
            }
        }
        #[derive(Clone, Debug)]
        pub struct GetTaskResponse {
            code: ::std::result::Result<i64, ::std::string::String>,
            data: ::std::result::Result<super::TaskDetail, ::std::string::String>,
            error: ::std::result::Result<::std::string::String, ::std::string::String>,
            msg: ::std::result::Result<::std::string::String, ::std::string::String>,
        }
        impl ::std::default::Default for GetTaskResponse {
            fn default() -> Self {
                Self {
                    code: Err("no value supplied for code".to_string()),
                    data: Err("no value supplied for data".to_string()),
                    error: Err("no value supplied for error".to_string()),
                    msg: Err("no value supplied for msg".to_string()),
                }
            }
        }
        impl GetTaskResponse {
            pub fn code<T>(mut self, value: T) -> Self
            where
                T: ::std::convert::TryInto<i64>,
                T::Error: ::std::fmt::Display,
            {
                self.code = value
                    .try_into()
                    .map_err(|e| {
                        format!("error converting supplied value for code: {e}")
                    });
                self
            }
            pub fn data<T>(mut self, value: T) -> Self
            where
                T: ::std::convert::TryInto<super::TaskDetail>,
                T::Error: ::std::fmt::Display,
            {
                self.data = value
                    .try_into()
                    .map_err(|e| {
                        format!("error converting supplied value for data: {e}")
                    });
                self
            }
            pub fn error<T>(mut self, value: T) -> Self
            where
                T: ::std::convert::TryInto<::std::string::String>,
                T::Error: ::std::fmt::Display,
            {
                self.error = value
                    .try_into()
                    .map_err(|e| {
                        format!("error converting supplied value for error: {e}")
                    });
                self
            }
            pub fn msg<T>(mut self, value: T) -> Self
            where
                T: ::std::convert::TryInto<::std::string::String>,
                T::Error: ::std::fmt::Display,
            {
                self.msg = value
                    .try_into()
                    .map_err(|e| {
                        format!("error converting supplied value for msg: {e}")
                    });
                self
            }
        }
        impl ::std::convert::TryFrom<GetTaskResponse> for super::GetTaskResponse {
            type Error = super::error::ConversionError;
            fn try_from(
                value: GetTaskResponse,
            ) -> ::std::result::Result<Self, super::error::ConversionError> {
                Ok(Self {
                    code: value.code?,
                    data: value.data?,
                    error: value.error?,
                    msg: value.msg?,
                })
            }
        }
        impl ::std::convert::From<super::GetTaskResponse> for GetTaskResponse {
            fn from(value: super::GetTaskResponse) -> Self {
                Self {
                    code: Ok(value.code),
                    data: Ok(value.data),
                    error: Ok(value.error),
                    msg: Ok(value.msg),
                }
            }
        }
        #[derive(Clone, Debug)]
        pub struct GetTasksResponse {
            code: ::std::result::Result<i64, ::std::string::String>,
            error: ::std::result::Result<::std::string::String, ::std::string::String>,
            items: ::std::result::Result<
                ::std::option::Option<::std::vec::Vec<super::TaskItem>>,
                ::std::string::String,
            >,
            msg: ::std::result::Result<::std::string::String, ::std::string::String>,
            total: ::std::result::Result<i64, ::std::string::String>,
        }
        impl ::std::default::Default for GetTasksResponse {
            fn default() -> Self {
                Self {
                    code: Err("no value supplied for code".to_string()),
                    error: Err("no value supplied for error".to_string()),
                    items: Err("no value supplied for items".to_string()),
                    msg: Err("no value supplied for msg".to_string()),
                    total: Err("no value supplied for total".to_string()),
                }
            }
        }
        impl GetTasksResponse {
            pub fn code<T>(mut self, value: T) -> Self
            where
                T: ::std::convert::TryInto<i64>,
                T::Error: ::std::fmt::Display,
            {
                self.code = value
                    .try_into()
                    .map_err(|e| {
                        format!("error converting supplied value for code: {e}")
                    });
                self
            }
            pub fn error<T>(mut self, value: T) -> Self
            where
                T: ::std::convert::TryInto<::std::string::String>,
                T::Error: ::std::fmt::Display,
            {
                self.error = value
                    .try_into()
                    .map_err(|e| {
                        format!("error converting supplied value for error: {e}")
                    });
                self
            }
            pub fn items<T>(mut self, value: T) -> Self
            where
                T: ::std::convert::TryInto<
                    ::std::option::Option<::std::vec::Vec<super::TaskItem>>,
                >,
                T::Error: ::std::fmt::Display,
            {
                self.items = value
                    .try_into()
                    .map_err(|e| {
                        format!("error converting supplied value for items: {e}")
                    });
                self
            }
            pub fn msg<T>(mut self, value: T) -> Self
            where
                T: ::std::convert::TryInto<::std::string::String>,
                T::Error: ::std::fmt::Display,
            {
                self.msg = value
                    .try_into()
                    .map_err(|e| {
                        format!("error converting supplied value for msg: {e}")
                    });
                self
            }
            pub fn total<T>(mut self, value: T) -> Self
            where
                T: ::std::convert::TryInto<i64>,
                T::Error: ::std::fmt::Display,
            {
                self.total = value
                    .try_into()
                    .map_err(|e| {
                        format!("error converting supplied value for total: {e}")
                    });
                self
            }
        }
        impl ::std::convert::TryFrom<GetTasksResponse> for super::GetTasksResponse {
            type Error = super::error::ConversionError;
            fn try_from(
                value: GetTasksResponse,
            ) -> ::std::result::Result<Self, super::error::ConversionError> {
                Ok(Self {
                    code: value.code?,
                    error: value.error?,
                    items: value.items?,
                    msg: value.msg?,
                    total: value.total?,
                })
            }
        }
        impl ::std::convert::From<super::GetTasksResponse> for GetTasksResponse {
            fn from(value: super::GetTasksResponse) -> Self {
                Self {
                    code: Ok(value.code),
                    error: Ok(value.error),
                    items: Ok(value.items),
                    msg: Ok(value.msg),
                    total: Ok(value.total),
                }
            }
        }
        #[derive(Clone, Debug)]
        pub struct LoginData {
            name: ::std::result::Result<::std::string::String, ::std::string::String>,
            perm: ::std::result::Result<u64, ::std::string::String>,
            role: ::std::result::Result<u32, ::std::string::String>,
            uid: ::std::result::Result<i64, ::std::string::String>,
        }
        impl ::std::default::Default for LoginData {
            fn default() -> Self {
                Self {
                    name: Err("no value supplied for name".to_string()),
                    perm: Err("no value supplied for perm".to_string()),
                    role: Err("no value supplied for role".to_string()),
                    uid: Err("no value supplied for uid".to_string()),
                }
            }
        }
        impl LoginData {
            pub fn name<T>(mut self, value: T) -> Self
            where
                T: ::std::convert::TryInto<::std::string::String>,
                T::Error: ::std::fmt::Display,
            {
                self.name = value
                    .try_into()
                    .map_err(|e| {
                        format!("error converting supplied value for name: {e}")
                    });
                self
            }
            pub fn perm<T>(mut self, value: T) -> Self
            where
                T: ::std::convert::TryInto<u64>,
                T::Error: ::std::fmt::Display,
            {
                self.perm = value
                    .try_into()
                    .map_err(|e| {
                        format!("error converting supplied value for perm: {e}")
                    });
                self
            }
            pub fn role<T>(mut self, value: T) -> Self
            where
                T: ::std::convert::TryInto<u32>,
                T::Error: ::std::fmt::Display,
            {
                self.role = value
                    .try_into()
                    .map_err(|e| {
                        format!("error converting supplied value for role: {e}")
                    });
                self
            }
            pub fn uid<T>(mut self, value: T) -> Self
            where
                T: ::std::convert::TryInto<i64>,
                T::Error: ::std::fmt::Display,
            {
                self.uid = value
                    .try_into()
                    .map_err(|e| {
                        format!("error converting supplied value for uid: {e}")
                    });
                self
            }
        }
        impl ::std::convert::TryFrom<LoginData> for super::LoginData {
            type Error = super::error::ConversionError;
            fn try_from(
                value: LoginData,
            ) -> ::std::result::Result<Self, super::error::ConversionError> {
                Ok(Self {
                    name: value.name?,
                    perm: value.perm?,
                    role: value.role?,
                    uid: value.uid?,
                })
            }
        }
        impl ::std::convert::From<super::LoginData> for LoginData {
            fn from(value: super::LoginData) -> Self {
                Self {
                    name: Ok(value.name),
                    perm: Ok(value.perm),
                    role: Ok(value.role),
                    uid: Ok(value.uid),
                }
            }
        }
        #[derive(Clone, Debug)]
        pub struct PostLoginBody {
            name: ::std::result::Result<::std::string::String, ::std::string::String>,
            password: ::std::result::Result<
                ::std::string::String,
                ::std::string::String,
            >,
        }
        impl ::std::default::Default for PostLoginBody {
            fn default() -> Self {
                Self {
                    name: Ok(Default::default()),
                    password: Ok(Default::default()),
                }
            }
        }
        impl PostLoginBody {
            pub fn name<T>(mut self, value: T) -> Self
            where
                T: ::std::convert::TryInto<::std::string::String>,
                T::Error: ::std::fmt::Display,
            {
                self.name = value
                    .try_into()
                    .map_err(|e| {
                        format!("error converting supplied value for name: {e}")
                    });
                self
            }
            pub fn password<T>(mut self, value: T) -> Self
            where
                T: ::std::convert::TryInto<::std::string::String>,
                T::Error: ::std::fmt::Display,
            {
                self.password = value
                    .try_into()
                    .map_err(|e| {
                        format!("error converting supplied value for password: {e}")
                    });
                self
            }
        }
        impl ::std::convert::TryFrom<PostLoginBody> for super::PostLoginBody {
            type Error = super::error::ConversionError;
            fn try_from(
                value: PostLoginBody,
            ) -> ::std::result::Result<Self, super::error::ConversionError> {
                Ok(Self {
                    name: value.name?,
                    password: value.password?,
                })
            }
        }
        impl ::std::convert::From<super::PostLoginBody> for PostLoginBody {
            fn from(value: super::PostLoginBody) -> Self {
                Self {
                    name: Ok(value.name),
                    password: Ok(value.password),
                }
            }
        }
        #[derive(Clone, Debug)]
        pub struct PostLoginResponse {
            code: ::std::result::Result<i64, ::std::string::String>,
            data: ::std::result::Result<super::LoginData, ::std::string::String>,
            error: ::std::result::Result<::std::string::String, ::std::string::String>,
            msg: ::std::result::Result<::std::string::String, ::std::string::String>,
        }
        impl ::std::default::Default for PostLoginResponse {
            fn default() -> Self {
                Self {
                    code: Err("no value supplied for code".to_string()),
                    data: Err("no value supplied for data".to_string()),
                    error: Err("no value supplied for error".to_string()),
                    msg: Err("no value supplied for msg".to_string()),
                }
            }
        }
        impl PostLoginResponse {
            pub fn code<T>(mut self, value: T) -> Self
            where
                T: ::std::convert::TryInto<i64>,
                T::Error: ::std::fmt::Display,
            {
                self.code = value
                    .try_into()
                    .map_err(|e| {
                        format!("error converting supplied value for code: {e}")
                    });
                self
            }
            pub fn data<T>(mut self, value: T) -> Self
            where
                T: ::std::convert::TryInto<super::LoginData>,
                T::Error: ::std::fmt::Display,
            {
                self.data = value
                    .try_into()
                    .map_err(|e| {
                        format!("error converting supplied value for data: {e}")
                    });
                self
            }
            pub fn error<T>(mut self, value: T) -> Self
            where
                T: ::std::convert::TryInto<::std::string::String>,
                T::Error: ::std::fmt::Display,
            {
                self.error = value
                    .try_into()
                    .map_err(|e| {
                        format!("error converting supplied value for error: {e}")
                    });
                self
            }
            pub fn msg<T>(mut self, value: T) -> Self
            where
                T: ::std::convert::TryInto<::std::string::String>,
                T::Error: ::std::fmt::Display,
            {
                self.msg = value
                    .try_into()
                    .map_err(|e| {
                        format!("error converting supplied value for msg: {e}")
                    });
                self
            }
        }
        impl ::std::convert::TryFrom<PostLoginResponse> for super::PostLoginResponse {
            type Error = super::error::ConversionError;
            fn try_from(
                value: PostLoginResponse,
            ) -> ::std::result::Result<Self, super::error::ConversionError> {
                Ok(Self {
                    code: value.code?,
                    data: value.data?,
                    error: value.error?,
                    msg: value.msg?,
                })
            }
        }
        impl ::std::convert::From<super::PostLoginResponse> for PostLoginResponse {
            fn from(value: super::PostLoginResponse) -> Self {
                Self {
                    code: Ok(value.code),
                    data: Ok(value.data),
                    error: Ok(value.error),
                    msg: Ok(value.msg),
                }
            }
        }
        #[derive(Clone, Debug)]
        pub struct PostLogoutResponse {
            code: ::std::result::Result<i64, ::std::string::String>,
            error: ::std::result::Result<::std::string::String, ::std::string::String>,
            msg: ::std::result::Result<::std::string::String, ::std::string::String>,
        }
        impl ::std::default::Default for PostLogoutResponse {
            fn default() -> Self {
                Self {
                    code: Err("no value supplied for code".to_string()),
                    error: Err("no value supplied for error".to_string()),
                    msg: Err("no value supplied for msg".to_string()),
                }
            }
        }
        impl PostLogoutResponse {
            pub fn code<T>(mut self, value: T) -> Self
            where
                T: ::std::convert::TryInto<i64>,
                T::Error: ::std::fmt::Display,
            {
                self.code = value
                    .try_into()
                    .map_err(|e| {
                        format!("error converting supplied value for code: {e}")
                    });
                self
            }
            pub fn error<T>(mut self, value: T) -> Self
            where
                T: ::std::convert::TryInto<::std::string::String>,
                T::Error: ::std::fmt::Display,
            {
                self.error = value
                    .try_into()
                    .map_err(|e| {
                        format!("error converting supplied value for error: {e}")
                    });
                self
            }
            pub fn msg<T>(mut self, value: T) -> Self
            where
                T: ::std::convert::TryInto<::std::string::String>,
                T::Error: ::std::fmt::Display,
            {
                self.msg = value
                    .try_into()
                    .map_err(|e| {
                        format!("error converting supplied value for msg: {e}")
                    });
                self
            }
        }
        impl ::std::convert::TryFrom<PostLogoutResponse> for super::PostLogoutResponse {
            type Error = super::error::ConversionError;
            fn try_from(
                value: PostLogoutResponse,
            ) -> ::std::result::Result<Self, super::error::ConversionError> {
                Ok(Self {
                    code: value.code?,
                    error: value.error?,
                    msg: value.msg?,
                })
            }
        }
        impl ::std::convert::From<super::PostLogoutResponse> for PostLogoutResponse {
            fn from(value: super::PostLogoutResponse) -> Self {
                Self {
                    code: Ok(value.code),
                    error: Ok(value.error),
                    msg: Ok(value.msg),
                }
            }
        }
        #[derive(Clone, Debug)]
        pub struct PostTaskBody {
            input: ::std::result::Result<::std::string::String, ::std::string::String>,
            note: ::std::result::Result<::std::string::String, ::std::string::String>,
            priority: ::std::result::Result<i8, ::std::string::String>,
            type_: ::std::result::Result<
                ::std::option::Option<super::PostTaskBodyType>,
                ::std::string::String,
            >,
        }
        impl ::std::default::Default for PostTaskBody {
            fn default() -> Self {
                Self {
                    input: Ok(Default::default()),
                    note: Ok(Default::default()),
                    priority: Ok(Default::default()),
                    type_: Ok(Default::default()),
                }
            }
        }
        impl PostTaskBody {
            pub fn input<T>(mut self, value: T) -> Self
            where
                T: ::std::convert::TryInto<::std::string::String>,
                T::Error: ::std::fmt::Display,
            {
                self.input = value
                    .try_into()
                    .map_err(|e| {
                        format!("error converting supplied value for input: {e}")
                    });
                self
            }
            pub fn note<T>(mut self, value: T) -> Self
            where
                T: ::std::convert::TryInto<::std::string::String>,
                T::Error: ::std::fmt::Display,
            {
                self.note = value
                    .try_into()
                    .map_err(|e| {
                        format!("error converting supplied value for note: {e}")
                    });
                self
            }
            pub fn priority<T>(mut self, value: T) -> Self
            where
                T: ::std::convert::TryInto<i8>,
                T::Error: ::std::fmt::Display,
            {
                self.priority = value
                    .try_into()
                    .map_err(|e| {
                        format!("error converting supplied value for priority: {e}")
                    });
                self
            }
            pub fn type_<T>(mut self, value: T) -> Self
            where
                T: ::std::convert::TryInto<
                    ::std::option::Option<super::PostTaskBodyType>,
                >,
                T::Error: ::std::fmt::Display,
            {
                self.type_ = value
                    .try_into()
                    .map_err(|e| {
                        format!("error converting supplied value for type_: {e}")
                    });
                self
            }
        }
        impl ::std::convert::TryFrom<PostTaskBody> for super::PostTaskBody {
            type Error = super::error::ConversionError;
            fn try_from(
                value: PostTaskBody,
            ) -> ::std::result::Result<Self, super::error::ConversionError> {
                Ok(Self {
                    input: value.input?,
                    note: value.note?,
                    priority: value.priority?,
                    type_: value.type_?,
                })
            }
        }
        impl ::std::convert::From<super::PostTaskBody> for PostTaskBody {
            fn from(value: super::PostTaskBody) -> Self {
                Self {
                    input: Ok(value.input),
                    note: Ok(value.note),
                    priority: Ok(value.priority),
                    type_: Ok(value.type_),
                }
            }
        }
        #[derive(Clone, Debug)]
        pub struct PostTaskResponse {
            code: ::std::result::Result<i64, ::std::string::String>,
            error: ::std::result::Result<::std::string::String, ::std::string::String>,
            msg: ::std::result::Result<::std::string::String, ::std::string::String>,
        }
        impl ::std::default::Default for PostTaskResponse {
            fn default() -> Self {
                Self {
                    code: Err("no value supplied for code".to_string()),
                    error: Err("no value supplied for error".to_string()),
                    msg: Err("no value supplied for msg".to_string()),
                }
            }
        }
        impl PostTaskResponse {
            pub fn code<T>(mut self, value: T) -> Self
            where
                T: ::std::convert::TryInto<i64>,
                T::Error: ::std::fmt::Display,
            {
                self.code = value
                    .try_into()
                    .map_err(|e| {
                        format!("error converting supplied value for code: {e}")
                    });
                self
            }
            pub fn error<T>(mut self, value: T) -> Self
            where
                T: ::std::convert::TryInto<::std::string::String>,
                T::Error: ::std::fmt::Display,
            {
                self.error = value
                    .try_into()
                    .map_err(|e| {
                        format!("error converting supplied value for error: {e}")
                    });
                self
            }
            pub fn msg<T>(mut self, value: T) -> Self
            where
                T: ::std::convert::TryInto<::std::string::String>,
                T::Error: ::std::fmt::Display,
            {
                self.msg = value
                    .try_into()
                    .map_err(|e| {
                        format!("error converting supplied value for msg: {e}")
                    });
                self
            }
        }
        impl ::std::convert::TryFrom<PostTaskResponse> for super::PostTaskResponse {
            type Error = super::error::ConversionError;
            fn try_from(
                value: PostTaskResponse,
            ) -> ::std::result::Result<Self, super::error::ConversionError> {
                Ok(Self {
                    code: value.code?,
                    error: value.error?,
                    msg: value.msg?,
                })
            }
        }
        impl ::std::convert::From<super::PostTaskResponse> for PostTaskResponse {
            fn from(value: super::PostTaskResponse) -> Self {
                Self {
                    code: Ok(value.code),
                    error: Ok(value.error),
                    msg: Ok(value.msg),
                }
            }
        }
        #[derive(Clone, Debug)]
        pub struct PostUploadResponse {
            code: ::std::result::Result<i64, ::std::string::String>,
            error: ::std::result::Result<::std::string::String, ::std::string::String>,
            full_uri: ::std::result::Result<
                ::std::string::String,
                ::std::string::String,
            >,
            msg: ::std::result::Result<::std::string::String, ::std::string::String>,
            uri: ::std::result::Result<::std::string::String, ::std::string::String>,
        }
        impl ::std::default::Default for PostUploadResponse {
            fn default() -> Self {
                Self {
                    code: Err("no value supplied for code".to_string()),
                    error: Err("no value supplied for error".to_string()),
                    full_uri: Err("no value supplied for full_uri".to_string()),
                    msg: Err("no value supplied for msg".to_string()),
                    uri: Err("no value supplied for uri".to_string()),
                }
            }
        }
        impl PostUploadResponse {
            pub fn code<T>(mut self, value: T) -> Self
            where
                T: ::std::convert::TryInto<i64>,
                T::Error: ::std::fmt::Display,
            {
                self.code = value
                    .try_into()
                    .map_err(|e| {
                        format!("error converting supplied value for code: {e}")
                    });
                self
            }
            pub fn error<T>(mut self, value: T) -> Self
            where
                T: ::std::convert::TryInto<::std::string::String>,
                T::Error: ::std::fmt::Display,
            {
                self.error = value
                    .try_into()
                    .map_err(|e| {
                        format!("error converting supplied value for error: {e}")
                    });
                self
            }
            pub fn full_uri<T>(mut self, value: T) -> Self
            where
                T: ::std::convert::TryInto<::std::string::String>,
                T::Error: ::std::fmt::Display,
            {
                self.full_uri = value
                    .try_into()
                    .map_err(|e| {
                        format!("error converting supplied value for full_uri: {e}")
                    });
                self
            }
            pub fn msg<T>(mut self, value: T) -> Self
            where
                T: ::std::convert::TryInto<::std::string::String>,
                T::Error: ::std::fmt::Display,
            {
                self.msg = value
                    .try_into()
                    .map_err(|e| {
                        format!("error converting supplied value for msg: {e}")
                    });
                self
            }
            pub fn uri<T>(mut self, value: T) -> Self
            where
                T: ::std::convert::TryInto<::std::string::String>,
                T::Error: ::std::fmt::Display,
            {
                self.uri = value
                    .try_into()
                    .map_err(|e| {
                        format!("error converting supplied value for uri: {e}")
                    });
                self
            }
        }
        impl ::std::convert::TryFrom<PostUploadResponse> for super::PostUploadResponse {
            type Error = super::error::ConversionError;
            fn try_from(
                value: PostUploadResponse,
            ) -> ::std::result::Result<Self, super::error::ConversionError> {
                Ok(Self {
                    code: value.code?,
                    error: value.error?,
                    full_uri: value.full_uri?,
                    msg: value.msg?,
                    uri: value.uri?,
                })
            }
        }
        impl ::std::convert::From<super::PostUploadResponse> for PostUploadResponse {
            fn from(value: super::PostUploadResponse) -> Self {
                Self {
                    code: Ok(value.code),
                    error: Ok(value.error),
                    full_uri: Ok(value.full_uri),
                    msg: Ok(value.msg),
                    uri: Ok(value.uri),
                }
            }
        }
        #[derive(Clone, Debug)]
        pub struct PutTaskBody {
            id: ::std::result::Result<i64, ::std::string::String>,
            note: ::std::result::Result<::std::string::String, ::std::string::String>,
            priority: ::std::result::Result<i8, ::std::string::String>,
        }
        impl ::std::default::Default for PutTaskBody {
            fn default() -> Self {
                Self {
                    id: Ok(Default::default()),
                    note: Ok(Default::default()),
                    priority: Ok(Default::default()),
                }
            }
        }
        impl PutTaskBody {
            pub fn id<T>(mut self, value: T) -> Self
            where
                T: ::std::convert::TryInto<i64>,
                T::Error: ::std::fmt::Display,
            {
                self.id = value
                    .try_into()
                    .map_err(|e| format!("error converting supplied value for id: {e}"));
                self
            }
            pub fn note<T>(mut self, value: T) -> Self
            where
                T: ::std::convert::TryInto<::std::string::String>,
                T::Error: ::std::fmt::Display,
            {
                self.note = value
                    .try_into()
                    .map_err(|e| {
                        format!("error converting supplied value for note: {e}")
                    });
                self
            }
            pub fn priority<T>(mut self, value: T) -> Self
            where
                T: ::std::convert::TryInto<i8>,
                T::Error: ::std::fmt::Display,
            {
                self.priority = value
                    .try_into()
                    .map_err(|e| {
                        format!("error converting supplied value for priority: {e}")
                    });
                self
            }
        }
        impl ::std::convert::TryFrom<PutTaskBody> for super::PutTaskBody {
            type Error = super::error::ConversionError;
            fn try_from(
                value: PutTaskBody,
            ) -> ::std::result::Result<Self, super::error::ConversionError> {
                Ok(Self {
                    id: value.id?,
                    note: value.note?,
                    priority: value.priority?,
                })
            }
        }
        impl ::std::convert::From<super::PutTaskBody> for PutTaskBody {
            fn from(value: super::PutTaskBody) -> Self {
                Self {
                    id: Ok(value.id),
                    note: Ok(value.note),
                    priority: Ok(value.priority),
                }
            }
        }
        #[derive(Clone, Debug)]
        pub struct PutTaskResponse {
            code: ::std::result::Result<i64, ::std::string::String>,
            error: ::std::result::Result<::std::string::String, ::std::string::String>,
            msg: ::std::result::Result<::std::string::String, ::std::string::String>,
        }
        impl ::std::default::Default for PutTaskResponse {
            fn default() -> Self {
                Self {
                    code: Err("no value supplied for code".to_string()),
                    error: Err("no value supplied for error".to_string()),
                    msg: Err("no value supplied for msg".to_string()),
                }
            }
        }
        impl PutTaskResponse {
            pub fn code<T>(mut self, value: T) -> Self
            where
                T: ::std::convert::TryInto<i64>,
                T::Error: ::std::fmt::Display,
            {
                self.code = value
                    .try_into()
                    .map_err(|e| {
                        format!("error converting supplied value for code: {e}")
                    });
                self
            }
            pub fn error<T>(mut self, value: T) -> Self
            where
                T: ::std::convert::TryInto<::std::string::String>,
                T::Error: ::std::fmt::Display,
            {
                self.error = value
                    .try_into()
                    .map_err(|e| {
                        format!("error converting supplied value for error: {e}")
                    });
                self
            }
            pub fn msg<T>(mut self, value: T) -> Self
            where
                T: ::std::convert::TryInto<::std::string::String>,
                T::Error: ::std::fmt::Display,
            {
                self.msg = value
                    .try_into()
                    .map_err(|e| {
                        format!("error converting supplied value for msg: {e}")
                    });
                self
            }
        }
        impl ::std::convert::TryFrom<PutTaskResponse> for super::PutTaskResponse {
            type Error = super::error::ConversionError;
            fn try_from(
                value: PutTaskResponse,
            ) -> ::std::result::Result<Self, super::error::ConversionError> {
                Ok(Self {
                    code: value.code?,
                    error: value.error?,
                    msg: value.msg?,
                })
            }
        }
        impl ::std::convert::From<super::PutTaskResponse> for PutTaskResponse {
            fn from(value: super::PutTaskResponse) -> Self {
                Self {
                    code: Ok(value.code),
                    error: Ok(value.error),
                    msg: Ok(value.msg),
                }
            }
        }
        #[derive(Clone, Debug)]
        pub struct PutTaskStatusBody {
            id: ::std::result::Result<i64, ::std::string::String>,
            status: ::std::result::Result<
                super::PutTaskStatusBodyStatus,
                ::std::string::String,
            >,
        }
        impl ::std::default::Default for PutTaskStatusBody {
            fn default() -> Self {
                Self {
                    id: Ok(Default::default()),
                    status: Ok(super::defaults::put_task_status_body_status()),
                }
            }
        }
        impl PutTaskStatusBody {
            pub fn id<T>(mut self, value: T) -> Self
            where
                T: ::std::convert::TryInto<i64>,
                T::Error: ::std::fmt::Display,
            {
                self.id = value
                    .try_into()
                    .map_err(|e| format!("error converting supplied value for id: {e}"));
                self
            }
            pub fn status<T>(mut self, value: T) -> Self
            where
                T: ::std::convert::TryInto<super::PutTaskStatusBodyStatus>,
                T::Error: ::std::fmt::Display,
            {
                self.status = value
                    .try_into()
                    .map_err(|e| {
                        format!("error converting supplied value for status: {e}")
                    });
                self
            }
        }
        impl ::std::convert::TryFrom<PutTaskStatusBody> for super::PutTaskStatusBody {
            type Error = super::error::ConversionError;
            fn try_from(
                value: PutTaskStatusBody,
            ) -> ::std::result::Result<Self, super::error::ConversionError> {
                Ok(Self {
                    id: value.id?,
                    status: value.status?,
                })
            }
        }
        impl ::std::convert::From<super::PutTaskStatusBody> for PutTaskStatusBody {
            fn from(value: super::PutTaskStatusBody) -> Self {
                Self {
                    id: Ok(value.id),
                    status: Ok(value.status),
                }
            }
        }
        #[derive(Clone, Debug)]
        pub struct PutTaskStatusResponse {
            code: ::std::result::Result<i64, ::std::string::String>,
            error: ::std::result::Result<::std::string::String, ::std::string::String>,
            msg: ::std::result::Result<::std::string::String, ::std::string::String>,
        }
        impl ::std::default::Default for PutTaskStatusResponse {
            fn default() -> Self {
                Self {
                    code: Err("no value supplied for code".to_string()),
                    error: Err("no value supplied for error".to_string()),
                    msg: Err("no value supplied for msg".to_string()),
                }
            }
        }
        impl PutTaskStatusResponse {
            pub fn code<T>(mut self, value: T) -> Self
            where
                T: ::std::convert::TryInto<i64>,
                T::Error: ::std::fmt::Display,
            {
                self.code = value
                    .try_into()
                    .map_err(|e| {
                        format!("error converting supplied value for code: {e}")
                    });
                self
            }
            pub fn error<T>(mut self, value: T) -> Self
            where
                T: ::std::convert::TryInto<::std::string::String>,
                T::Error: ::std::fmt::Display,
            {
                self.error = value
                    .try_into()
                    .map_err(|e| {
                        format!("error converting supplied value for error: {e}")
                    });
                self
            }
            pub fn msg<T>(mut self, value: T) -> Self
            where
                T: ::std::convert::TryInto<::std::string::String>,
                T::Error: ::std::fmt::Display,
            {
                self.msg = value
                    .try_into()
                    .map_err(|e| {
                        format!("error converting supplied value for msg: {e}")
                    });
                self
            }
        }
        impl ::std::convert::TryFrom<PutTaskStatusResponse>
        for super::PutTaskStatusResponse {
            type Error = super::error::ConversionError;
            fn try_from(
                value: PutTaskStatusResponse,
            ) -> ::std::result::Result<Self, super::error::ConversionError> {
                Ok(Self {
                    code: value.code?,
                    error: value.error?,
                    msg: value.msg?,
                })
            }
        }
        impl ::std::convert::From<super::PutTaskStatusResponse>
        for PutTaskStatusResponse {
            fn from(value: super::PutTaskStatusResponse) -> Self {
                Self {
                    code: Ok(value.code),
                    error: Ok(value.error),
                    msg: Ok(value.msg),
                }
            }
        }
        #[derive(Clone, Debug)]
        pub struct TaskDetail {
            id: ::std::result::Result<i64, ::std::string::String>,
            input: ::std::result::Result<::std::string::String, ::std::string::String>,
            note: ::std::result::Result<::std::string::String, ::std::string::String>,
            priority: ::std::result::Result<i8, ::std::string::String>,
            result: ::std::result::Result<::std::string::String, ::std::string::String>,
            status: ::std::result::Result<
                super::TaskDetailStatus,
                ::std::string::String,
            >,
            type_: ::std::result::Result<super::TaskDetailType, ::std::string::String>,
        }
        impl ::std::default::Default for TaskDetail {
            fn default() -> Self {
                Self {
                    id: Err("no value supplied for id".to_string()),
                    input: Err("no value supplied for input".to_string()),
                    note: Err("no value supplied for note".to_string()),
                    priority: Err("no value supplied for priority".to_string()),
                    result: Err("no value supplied for result".to_string()),
                    status: Err("no value supplied for status".to_string()),
                    type_: Err("no value supplied for type_".to_string()),
                }
            }
        }
        impl TaskDetail {
            pub fn id<T>(mut self, value: T) -> Self
            where
                T: ::std::convert::TryInto<i64>,
                T::Error: ::std::fmt::Display,
            {
                self.id = value
                    .try_into()
                    .map_err(|e| format!("error converting supplied value for id: {e}"));
                self
            }
            pub fn input<T>(mut self, value: T) -> Self
            where
                T: ::std::convert::TryInto<::std::string::String>,
                T::Error: ::std::fmt::Display,
            {
                self.input = value
                    .try_into()
                    .map_err(|e| {
                        format!("error converting supplied value for input: {e}")
                    });
                self
            }
            pub fn note<T>(mut self, value: T) -> Self
            where
                T: ::std::convert::TryInto<::std::string::String>,
                T::Error: ::std::fmt::Display,
            {
                self.note = value
                    .try_into()
                    .map_err(|e| {
                        format!("error converting supplied value for note: {e}")
                    });
                self
            }
            pub fn priority<T>(mut self, value: T) -> Self
            where
                T: ::std::convert::TryInto<i8>,
                T::Error: ::std::fmt::Display,
            {
                self.priority = value
                    .try_into()
                    .map_err(|e| {
                        format!("error converting supplied value for priority: {e}")
                    });
                self
            }
            pub fn result<T>(mut self, value: T) -> Self
            where
                T: ::std::convert::TryInto<::std::string::String>,
                T::Error: ::std::fmt::Display,
            {
                self.result = value
                    .try_into()
                    .map_err(|e| {
                        format!("error converting supplied value for result: {e}")
                    });
                self
            }
            pub fn status<T>(mut self, value: T) -> Self
            where
                T: ::std::convert::TryInto<super::TaskDetailStatus>,
                T::Error: ::std::fmt::Display,
            {
                self.status = value
                    .try_into()
                    .map_err(|e| {
                        format!("error converting supplied value for status: {e}")
                    });
                self
            }
            pub fn type_<T>(mut self, value: T) -> Self
            where
                T: ::std::convert::TryInto<super::TaskDetailType>,
                T::Error: ::std::fmt::Display,
            {
                self.type_ = value
                    .try_into()
                    .map_err(|e| {
                        format!("error converting supplied value for type_: {e}")
                    });
                self
            }
        }
        impl ::std::convert::TryFrom<TaskDetail> for super::TaskDetail {
            type Error = super::error::ConversionError;
            fn try_from(
                value: TaskDetail,
            ) -> ::std::result::Result<Self, super::error::ConversionError> {
                Ok(Self {
                    id: value.id?,
                    input: value.input?,
                    note: value.note?,
                    priority: value.priority?,
                    result: value.result?,
                    status: value.status?,
                    type_: value.type_?,
                })
            }
        }
        impl ::std::convert::From<super::TaskDetail> for TaskDetail {
            fn from(value: super::TaskDetail) -> Self {
                Self {
                    id: Ok(value.id),
                    input: Ok(value.input),
                    note: Ok(value.note),
                    priority: Ok(value.priority),
                    result: Ok(value.result),
                    status: Ok(value.status),
                    type_: Ok(value.type_),
                }
            }
        }
        #[derive(Clone, Debug)]
        pub struct TaskItem {
            id: ::std::result::Result<i64, ::std::string::String>,
            note: ::std::result::Result<::std::string::String, ::std::string::String>,
            priority: ::std::result::Result<i8, ::std::string::String>,
            status: ::std::result::Result<super::TaskItemStatus, ::std::string::String>,
            type_: ::std::result::Result<super::TaskItemType, ::std::string::String>,
            user: ::std::result::Result<super::UidName, ::std::string::String>,
        }
        impl ::std::default::Default for TaskItem {
            fn default() -> Self {
                Self {
                    id: Err("no value supplied for id".to_string()),
                    note: Err("no value supplied for note".to_string()),
                    priority: Err("no value supplied for priority".to_string()),
                    status: Err("no value supplied for status".to_string()),
                    type_: Err("no value supplied for type_".to_string()),
                    user: Err("no value supplied for user".to_string()),
                }
            }
        }
        impl TaskItem {
            pub fn id<T>(mut self, value: T) -> Self
            where
                T: ::std::convert::TryInto<i64>,
                T::Error: ::std::fmt::Display,
            {
                self.id = value
                    .try_into()
                    .map_err(|e| format!("error converting supplied value for id: {e}"));
                self
            }
            pub fn note<T>(mut self, value: T) -> Self
            where
                T: ::std::convert::TryInto<::std::string::String>,
                T::Error: ::std::fmt::Display,
            {
                self.note = value
                    .try_into()
                    .map_err(|e| {
                        format!("error converting supplied value for note: {e}")
                    });
                self
            }
            pub fn priority<T>(mut self, value: T) -> Self
            where
                T: ::std::convert::TryInto<i8>,
                T::Error: ::std::fmt::Display,
            {
                self.priority = value
                    .try_into()
                    .map_err(|e| {
                        format!("error converting supplied value for priority: {e}")
                    });
                self
            }
            pub fn status<T>(mut self, value: T) -> Self
            where
                T: ::std::convert::TryInto<super::TaskItemStatus>,
                T::Error: ::std::fmt::Display,
            {
                self.status = value
                    .try_into()
                    .map_err(|e| {
                        format!("error converting supplied value for status: {e}")
                    });
                self
            }
            pub fn type_<T>(mut self, value: T) -> Self
            where
                T: ::std::convert::TryInto<super::TaskItemType>,
                T::Error: ::std::fmt::Display,
            {
                self.type_ = value
                    .try_into()
                    .map_err(|e| {
                        format!("error converting supplied value for type_: {e}")
                    });
                self
            }
            pub fn user<T>(mut self, value: T) -> Self
            where
                T: ::std::convert::TryInto<super::UidName>,
                T::Error: ::std::fmt::Display,
            {
                self.user = value
                    .try_into()
                    .map_err(|e| {
                        format!("error converting supplied value for user: {e}")
                    });
                self
            }
        }
        impl ::std::convert::TryFrom<TaskItem> for super::TaskItem {
            type Error = super::error::ConversionError;
            fn try_from(
                value: TaskItem,
            ) -> ::std::result::Result<Self, super::error::ConversionError> {
                Ok(Self {
                    id: value.id?,
                    note: value.note?,
                    priority: value.priority?,
                    status: value.status?,
                    type_: value.type_?,
                    user: value.user?,
                })
            }
        }
        impl ::std::convert::From<super::TaskItem> for TaskItem {
            fn from(value: super::TaskItem) -> Self {
                Self {
                    id: Ok(value.id),
                    note: Ok(value.note),
                    priority: Ok(value.priority),
                    status: Ok(value.status),
                    type_: Ok(value.type_),
                    user: Ok(value.user),
                }
            }
        }
        #[derive(Clone, Debug)]
        pub struct UidName {
            name: ::std::result::Result<::std::string::String, ::std::string::String>,
            uid: ::std::result::Result<i64, ::std::string::String>,
        }
        impl ::std::default::Default for UidName {
            fn default() -> Self {
                Self {
                    name: Err("no value supplied for name".to_string()),
                    uid: Err("no value supplied for uid".to_string()),
                }
            }
        }
        impl UidName {
            pub fn name<T>(mut self, value: T) -> Self
            where
                T: ::std::convert::TryInto<::std::string::String>,
                T::Error: ::std::fmt::Display,
            {
                self.name = value
                    .try_into()
                    .map_err(|e| {
                        format!("error converting supplied value for name: {e}")
                    });
                self
            }
            pub fn uid<T>(mut self, value: T) -> Self
            where
                T: ::std::convert::TryInto<i64>,
                T::Error: ::std::fmt::Display,
            {
                self.uid = value
                    .try_into()
                    .map_err(|e| {
                        format!("error converting supplied value for uid: {e}")
                    });
                self
            }
        }
        impl ::std::convert::TryFrom<UidName> for super::UidName {
            type Error = super::error::ConversionError;
            fn try_from(
                value: UidName,
            ) -> ::std::result::Result<Self, super::error::ConversionError> {
                Ok(Self {
                    name: value.name?,
                    uid: value.uid?,
                })
            }
        }
        impl ::std::convert::From<super::UidName> for UidName {
            fn from(value: super::UidName) -> Self {
                Self {
                    name: Ok(value.name),
                    uid: Ok(value.uid),
                }
            }
        }
    }
    /// Generation of default values for serde.
    pub mod defaults {
        pub(super) fn put_task_status_body_status() -> super::PutTaskStatusBodyStatus {
            super::PutTaskStatusBodyStatus(0_u8)
        }
    }
    /// Error types.
    pub mod error {
        /// Error from a `TryFrom` or `FromStr` implementation.
        pub struct ConversionError(::std::borrow::Cow<'static, str>);
        impl ::std::error::Error for ConversionError {}
        impl ::std::fmt::Display for ConversionError {
            fn fmt(
                &self,
                f: &mut ::std::fmt::Formatter<'_>,
            ) -> Result<(), ::std::fmt::Error> {
                ::std::fmt::Display::fmt(&self.0, f)
            }
        }
        impl ::std::fmt::Debug for ConversionError {
            fn fmt(
                &self,
                f: &mut ::std::fmt::Formatter<'_>,
            ) -> Result<(), ::std::fmt::Error> {
                ::std::fmt::Debug::fmt(&self.0, f)
            }
        }
        impl From<&'static str> for ConversionError {
            fn from(value: &'static str) -> Self {
                Self(value.into())
            }
        }
        impl From<String> for ConversionError {
            fn from(value: String) -> Self {
                Self(value.into())
            }
        }
    }
}
#[derive(Clone, Debug)]
/**Client for 后台API文档

Version: 1.0.0*/
pub struct Client {
    pub(crate) baseurl: String,
    pub(crate) client: reqwest::Client,
}
impl Client {
    /// Create a new client.
    ///
    /// `baseurl` is the base URL provided to the internal
    /// `reqwest::Client`, and should include a scheme and hostname,
    /// as well as port and a path stem if applicable.
    pub fn new(baseurl: &str) -> Self {
        #[cfg(not(target_arch = "wasm32"))]
        let client = {
            let dur = ::std::time::Duration::from_secs(15u64);
            reqwest::ClientBuilder::new().connect_timeout(dur).timeout(dur)
        };
        #[cfg(target_arch = "wasm32")]
        let client = reqwest::ClientBuilder::new();
        Self::new_with_client(baseurl, client.build().unwrap())
    }
    /// Construct a new client with an existing `reqwest::Client`,
    /// allowing more control over its configuration.
    ///
    /// `baseurl` is the base URL provided to the internal
    /// `reqwest::Client`, and should include a scheme and hostname,
    /// as well as port and a path stem if applicable.
    pub fn new_with_client(baseurl: &str, client: reqwest::Client) -> Self {
        Self {
            baseurl: baseurl.to_string(),
            client,
        }
    }
}
impl ClientInfo<()> for Client {
    fn api_version() -> &'static str {
        "1.0.0"
    }
    fn baseurl(&self) -> &str {
        self.baseurl.as_str()
    }
    fn client(&self) -> &reqwest::Client {
        &self.client
    }
    fn inner(&self) -> &() {
        &()
    }
}
impl ClientHooks<()> for &Client {}
impl Client {
    /**测试登录

测试是否正常登录

Sends a `GET` request to `/backend/api/v1/hola`

```ignore
let response = client.get_hola()
    .send()
    .await;
```*/
    pub fn get_hola(&self) -> builder::GetHola<'_> {
        builder::GetHola::new(self)
    }
    /**登录

后台登录

Sends a `POST` request to `/backend/api/v1/login`

```ignore
let response = client.post_login()
    .body(body)
    .send()
    .await;
```*/
    pub fn post_login(&self) -> builder::PostLogin<'_> {
        builder::PostLogin::new(self)
    }
    /**登出

登出

Sends a `POST` request to `/backend/api/v1/logout`

```ignore
let response = client.post_logout()
    .send()
    .await;
```*/
    pub fn post_logout(&self) -> builder::PostLogout<'_> {
        builder::PostLogout::new(self)
    }
    /**任务详情

任务详情

Sends a `GET` request to `/backend/api/v1/task`

```ignore
let response = client.get_task()
    .id(id)
    .send()
    .await;
```*/
    pub fn get_task(&self) -> builder::GetTask<'_> {
        builder::GetTask::new(self)
    }
    /**更新任务信息

更新任务信息

Sends a `PUT` request to `/backend/api/v1/task`

```ignore
let response = client.put_task()
    .body(body)
    .send()
    .await;
```*/
    pub fn put_task(&self) -> builder::PutTask<'_> {
        builder::PutTask::new(self)
    }
    /**新增任务

新增任务

Sends a `POST` request to `/backend/api/v1/task`

```ignore
let response = client.post_task()
    .body(body)
    .send()
    .await;
```*/
    pub fn post_task(&self) -> builder::PostTask<'_> {
        builder::PostTask::new(self)
    }
    /**删除任务

删除任务

Sends a `DELETE` request to `/backend/api/v1/task`

```ignore
let response = client.delete_task()
    .body(body)
    .send()
    .await;
```*/
    pub fn delete_task(&self) -> builder::DeleteTask<'_> {
        builder::DeleteTask::new(self)
    }
    /**更新任务状态

更新任务状态

Sends a `PUT` request to `/backend/api/v1/task/status`

```ignore
let response = client.put_task_status()
    .body(body)
    .send()
    .await;
```*/
    pub fn put_task_status(&self) -> builder::PutTaskStatus<'_> {
        builder::PutTaskStatus::new(self)
    }
    /**任务列表

任务列表

Sends a `GET` request to `/backend/api/v1/tasks`

```ignore
let response = client.get_tasks()
    .limit(limit)
    .offset(offset)
    .send()
    .await;
```*/
    pub fn get_tasks(&self) -> builder::GetTasks<'_> {
        builder::GetTasks::new(self)
    }
}
/// Types for composing operation parameters.
#[allow(clippy::all)]
pub mod builder {
    use super::types;
    #[allow(unused_imports)]
    use super::{
        encode_path, ByteStream, ClientInfo, ClientHooks, Error, OperationInfo,
        RequestBuilderExt, ResponseValue,
    };
    /**Builder for [`Client::get_hola`]

[`Client::get_hola`]: super::Client::get_hola*/
    #[derive(Debug, Clone)]
    pub struct GetHola<'a> {
        client: &'a super::Client,
    }
    impl<'a> GetHola<'a> {
        pub fn new(client: &'a super::Client) -> Self {
            Self { client: client }
        }
        ///Sends a `GET` request to `/backend/api/v1/hola`
        pub async fn send(
            self,
        ) -> Result<ResponseValue<types::GetHolaResponse>, Error<types::Error>> {
            let Self { client } = self;
            let url = format!("{}/backend/api/v1/hola", client.baseurl,);
            let mut header_map = ::reqwest::header::HeaderMap::with_capacity(1usize);
            header_map
                .append(
                    ::reqwest::header::HeaderName::from_static("api-version"),
                    ::reqwest::header::HeaderValue::from_static(
                        super::Client::api_version(),
                    ),
                );
            #[allow(unused_mut)]
            let mut request = client
                .client
                .get(url)
                .header(
                    ::reqwest::header::ACCEPT,
                    ::reqwest::header::HeaderValue::from_static("application/json"),
                )
                .headers(header_map)
                .build()?;
            let info = OperationInfo {
                operation_id: "get_hola",
            };
            client.pre(&mut request, &info).await?;
            let result = client.exec(request, &info).await;
            client.post(&result, &info).await?;
            let response = result?;
            match response.status().as_u16() {
                200u16 => ResponseValue::from_response(response).await,
                400u16..=499u16 => {
                    Err(
                        Error::ErrorResponse(
                            ResponseValue::from_response(response).await?,
                        ),
                    )
                }
                500u16..=599u16 => {
                    Err(
                        Error::ErrorResponse(
                            ResponseValue::from_response(response).await?,
                        ),
                    )
                }
                _ => Err(Error::UnexpectedResponse(response)),
            }
        }
    }
    /**Builder for [`Client::post_login`]

[`Client::post_login`]: super::Client::post_login*/
    #[derive(Debug, Clone)]
    pub struct PostLogin<'a> {
        client: &'a super::Client,
        body: Result<types::builder::PostLoginBody, String>,
    }
    impl<'a> PostLogin<'a> {
        pub fn new(client: &'a super::Client) -> Self {
            Self {
                client: client,
                body: Ok(::std::default::Default::default()),
            }
        }
        pub fn body<V>(mut self, value: V) -> Self
        where
            V: std::convert::TryInto<types::PostLoginBody>,
            <V as std::convert::TryInto<types::PostLoginBody>>::Error: std::fmt::Display,
        {
            self.body = value
                .try_into()
                .map(From::from)
                .map_err(|s| {
                    format!("conversion to `PostLoginBody` for body failed: {}", s)
                });
            self
        }
        pub fn body_map<F>(mut self, f: F) -> Self
        where
            F: std::ops::FnOnce(
                types::builder::PostLoginBody,
            ) -> types::builder::PostLoginBody,
        {
            self.body = self.body.map(f);
            self
        }
        ///Sends a `POST` request to `/backend/api/v1/login`
        pub async fn send(
            self,
        ) -> Result<ResponseValue<types::PostLoginResponse>, Error<types::Error>> {
            let Self { client, body } = self;
            let body = body
                .and_then(|v| {
                    types::PostLoginBody::try_from(v).map_err(|e| e.to_string())
                })
                .map_err(Error::InvalidRequest)?;
            let url = format!("{}/backend/api/v1/login", client.baseurl,);
            let mut header_map = ::reqwest::header::HeaderMap::with_capacity(1usize);
            header_map
                .append(
                    ::reqwest::header::HeaderName::from_static("api-version"),
                    ::reqwest::header::HeaderValue::from_static(
                        super::Client::api_version(),
                    ),
                );
            #[allow(unused_mut)]
            let mut request = client
                .client
                .post(url)
                .header(
                    ::reqwest::header::ACCEPT,
                    ::reqwest::header::HeaderValue::from_static("application/json"),
                )
                .json(&body)
                .headers(header_map)
                .build()?;
            let info = OperationInfo {
                operation_id: "post_login",
            };
            client.pre(&mut request, &info).await?;
            let result = client.exec(request, &info).await;
            client.post(&result, &info).await?;
            let response = result?;
            match response.status().as_u16() {
                200u16 => ResponseValue::from_response(response).await,
                400u16..=499u16 => {
                    Err(
                        Error::ErrorResponse(
                            ResponseValue::from_response(response).await?,
                        ),
                    )
                }
                500u16..=599u16 => {
                    Err(
                        Error::ErrorResponse(
                            ResponseValue::from_response(response).await?,
                        ),
                    )
                }
                _ => Err(Error::UnexpectedResponse(response)),
            }
        }
    }
    /**Builder for [`Client::post_logout`]

[`Client::post_logout`]: super::Client::post_logout*/
    #[derive(Debug, Clone)]
    pub struct PostLogout<'a> {
        client: &'a super::Client,
    }
    impl<'a> PostLogout<'a> {
        pub fn new(client: &'a super::Client) -> Self {
            Self { client: client }
        }
        ///Sends a `POST` request to `/backend/api/v1/logout`
        pub async fn send(
            self,
        ) -> Result<ResponseValue<types::PostLogoutResponse>, Error<types::Error>> {
            let Self { client } = self;
            let url = format!("{}/backend/api/v1/logout", client.baseurl,);
            let mut header_map = ::reqwest::header::HeaderMap::with_capacity(1usize);
            header_map
                .append(
                    ::reqwest::header::HeaderName::from_static("api-version"),
                    ::reqwest::header::HeaderValue::from_static(
                        super::Client::api_version(),
                    ),
                );
            #[allow(unused_mut)]
            let mut request = client
                .client
                .post(url)
                .header(
                    ::reqwest::header::ACCEPT,
                    ::reqwest::header::HeaderValue::from_static("application/json"),
                )
                .headers(header_map)
                .build()?;
            let info = OperationInfo {
                operation_id: "post_logout",
            };
            client.pre(&mut request, &info).await?;
            let result = client.exec(request, &info).await;
            client.post(&result, &info).await?;
            let response = result?;
            match response.status().as_u16() {
                200u16 => ResponseValue::from_response(response).await,
                400u16..=499u16 => {
                    Err(
                        Error::ErrorResponse(
                            ResponseValue::from_response(response).await?,
                        ),
                    )
                }
                500u16..=599u16 => {
                    Err(
                        Error::ErrorResponse(
                            ResponseValue::from_response(response).await?,
                        ),
                    )
                }
                _ => Err(Error::UnexpectedResponse(response)),
            }
        }
    }
    /**Builder for [`Client::get_task`]

[`Client::get_task`]: super::Client::get_task*/
    #[derive(Debug, Clone)]
    pub struct GetTask<'a> {
        client: &'a super::Client,
        id: Result<Option<i64>, String>,
    }
    impl<'a> GetTask<'a> {
        pub fn new(client: &'a super::Client) -> Self {
            Self {
                client: client,
                id: Ok(None),
            }
        }
        pub fn id<V>(mut self, value: V) -> Self
        where
            V: std::convert::TryInto<i64>,
        {
            self.id = value
                .try_into()
                .map(Some)
                .map_err(|_| "conversion to `i64` for id failed".to_string());
            self
        }
        ///Sends a `GET` request to `/backend/api/v1/task`
        pub async fn send(
            self,
        ) -> Result<ResponseValue<types::GetTaskResponse>, Error<types::Error>> {
            let Self { client, id } = self;
            let id = id.map_err(Error::InvalidRequest)?;
            let url = format!("{}/backend/api/v1/task", client.baseurl,);
            let mut header_map = ::reqwest::header::HeaderMap::with_capacity(1usize);
            header_map
                .append(
                    ::reqwest::header::HeaderName::from_static("api-version"),
                    ::reqwest::header::HeaderValue::from_static(
                        super::Client::api_version(),
                    ),
                );
            #[allow(unused_mut)]
            let mut request = client
                .client
                .get(url)
                .header(
                    ::reqwest::header::ACCEPT,
                    ::reqwest::header::HeaderValue::from_static("application/json"),
                )
                .query(&progenitor_client::QueryParam::new("id", &id))
                .headers(header_map)
                .build()?;
            let info = OperationInfo {
                operation_id: "get_task",
            };
            client.pre(&mut request, &info).await?;
            let result = client.exec(request, &info).await;
            client.post(&result, &info).await?;
            let response = result?;
            match response.status().as_u16() {
                200u16 => ResponseValue::from_response(response).await,
                400u16..=499u16 => {
                    Err(
                        Error::ErrorResponse(
                            ResponseValue::from_response(response).await?,
                        ),
                    )
                }
                500u16..=599u16 => {
                    Err(
                        Error::ErrorResponse(
                            ResponseValue::from_response(response).await?,
                        ),
                    )
                }
                _ => Err(Error::UnexpectedResponse(response)),
            }
        }
    }
    /**Builder for [`Client::put_task`]

[`Client::put_task`]: super::Client::put_task*/
    #[derive(Debug, Clone)]
    pub struct PutTask<'a> {
        client: &'a super::Client,
        body: Result<types::builder::PutTaskBody, String>,
    }
    impl<'a> PutTask<'a> {
        pub fn new(client: &'a super::Client) -> Self {
            Self {
                client: client,
                body: Ok(::std::default::Default::default()),
            }
        }
        pub fn body<V>(mut self, value: V) -> Self
        where
            V: std::convert::TryInto<types::PutTaskBody>,
            <V as std::convert::TryInto<types::PutTaskBody>>::Error: std::fmt::Display,
        {
            self.body = value
                .try_into()
                .map(From::from)
                .map_err(|s| {
                    format!("conversion to `PutTaskBody` for body failed: {}", s)
                });
            self
        }
        pub fn body_map<F>(mut self, f: F) -> Self
        where
            F: std::ops::FnOnce(
                types::builder::PutTaskBody,
            ) -> types::builder::PutTaskBody,
        {
            self.body = self.body.map(f);
            self
        }
        ///Sends a `PUT` request to `/backend/api/v1/task`
        pub async fn send(
            self,
        ) -> Result<ResponseValue<types::PutTaskResponse>, Error<types::Error>> {
            let Self { client, body } = self;
            let body = body
                .and_then(|v| types::PutTaskBody::try_from(v).map_err(|e| e.to_string()))
                .map_err(Error::InvalidRequest)?;
            let url = format!("{}/backend/api/v1/task", client.baseurl,);
            let mut header_map = ::reqwest::header::HeaderMap::with_capacity(1usize);
            header_map
                .append(
                    ::reqwest::header::HeaderName::from_static("api-version"),
                    ::reqwest::header::HeaderValue::from_static(
                        super::Client::api_version(),
                    ),
                );
            #[allow(unused_mut)]
            let mut request = client
                .client
                .put(url)
                .header(
                    ::reqwest::header::ACCEPT,
                    ::reqwest::header::HeaderValue::from_static("application/json"),
                )
                .json(&body)
                .headers(header_map)
                .build()?;
            let info = OperationInfo {
                operation_id: "put_task",
            };
            client.pre(&mut request, &info).await?;
            let result = client.exec(request, &info).await;
            client.post(&result, &info).await?;
            let response = result?;
            match response.status().as_u16() {
                200u16 => ResponseValue::from_response(response).await,
                400u16..=499u16 => {
                    Err(
                        Error::ErrorResponse(
                            ResponseValue::from_response(response).await?,
                        ),
                    )
                }
                500u16..=599u16 => {
                    Err(
                        Error::ErrorResponse(
                            ResponseValue::from_response(response).await?,
                        ),
                    )
                }
                _ => Err(Error::UnexpectedResponse(response)),
            }
        }
    }
    /**Builder for [`Client::post_task`]

[`Client::post_task`]: super::Client::post_task*/
    #[derive(Debug, Clone)]
    pub struct PostTask<'a> {
        client: &'a super::Client,
        body: Result<types::builder::PostTaskBody, String>,
    }
    impl<'a> PostTask<'a> {
        pub fn new(client: &'a super::Client) -> Self {
            Self {
                client: client,
                body: Ok(::std::default::Default::default()),
            }
        }
        pub fn body<V>(mut self, value: V) -> Self
        where
            V: std::convert::TryInto<types::PostTaskBody>,
            <V as std::convert::TryInto<types::PostTaskBody>>::Error: std::fmt::Display,
        {
            self.body = value
                .try_into()
                .map(From::from)
                .map_err(|s| {
                    format!("conversion to `PostTaskBody` for body failed: {}", s)
                });
            self
        }
        pub fn body_map<F>(mut self, f: F) -> Self
        where
            F: std::ops::FnOnce(
                types::builder::PostTaskBody,
            ) -> types::builder::PostTaskBody,
        {
            self.body = self.body.map(f);
            self
        }
        ///Sends a `POST` request to `/backend/api/v1/task`
        pub async fn send(
            self,
        ) -> Result<ResponseValue<types::PostTaskResponse>, Error<types::Error>> {
            let Self { client, body } = self;
            let body = body
                .and_then(|v| {
                    types::PostTaskBody::try_from(v).map_err(|e| e.to_string())
                })
                .map_err(Error::InvalidRequest)?;
            let url = format!("{}/backend/api/v1/task", client.baseurl,);
            let mut header_map = ::reqwest::header::HeaderMap::with_capacity(1usize);
            header_map
                .append(
                    ::reqwest::header::HeaderName::from_static("api-version"),
                    ::reqwest::header::HeaderValue::from_static(
                        super::Client::api_version(),
                    ),
                );
            #[allow(unused_mut)]
            let mut request = client
                .client
                .post(url)
                .header(
                    ::reqwest::header::ACCEPT,
                    ::reqwest::header::HeaderValue::from_static("application/json"),
                )
                .json(&body)
                .headers(header_map)
                .build()?;
            let info = OperationInfo {
                operation_id: "post_task",
            };
            client.pre(&mut request, &info).await?;
            let result = client.exec(request, &info).await;
            client.post(&result, &info).await?;
            let response = result?;
            match response.status().as_u16() {
                200u16 => ResponseValue::from_response(response).await,
                400u16..=499u16 => {
                    Err(
                        Error::ErrorResponse(
                            ResponseValue::from_response(response).await?,
                        ),
                    )
                }
                500u16..=599u16 => {
                    Err(
                        Error::ErrorResponse(
                            ResponseValue::from_response(response).await?,
                        ),
                    )
                }
                _ => Err(Error::UnexpectedResponse(response)),
            }
        }
    }
    /**Builder for [`Client::delete_task`]

[`Client::delete_task`]: super::Client::delete_task*/
    #[derive(Debug, Clone)]
    pub struct DeleteTask<'a> {
        client: &'a super::Client,
        body: Result<types::builder::DeleteTaskBody, String>,
    }
    impl<'a> DeleteTask<'a> {
        pub fn new(client: &'a super::Client) -> Self {
            Self {
                client: client,
                body: Ok(::std::default::Default::default()),
            }
        }
        pub fn body<V>(mut self, value: V) -> Self
        where
            V: std::convert::TryInto<types::DeleteTaskBody>,
            <V as std::convert::TryInto<
                types::DeleteTaskBody,
            >>::Error: std::fmt::Display,
        {
            self.body = value
                .try_into()
                .map(From::from)
                .map_err(|s| {
                    format!("conversion to `DeleteTaskBody` for body failed: {}", s)
                });
            self
        }
        pub fn body_map<F>(mut self, f: F) -> Self
        where
            F: std::ops::FnOnce(
                types::builder::DeleteTaskBody,
            ) -> types::builder::DeleteTaskBody,
        {
            self.body = self.body.map(f);
            self
        }
        ///Sends a `DELETE` request to `/backend/api/v1/task`
        pub async fn send(
            self,
        ) -> Result<ResponseValue<types::DeleteTaskResponse>, Error<types::Error>> {
            let Self { client, body } = self;
            let body = body
                .and_then(|v| {
                    types::DeleteTaskBody::try_from(v).map_err(|e| e.to_string())
                })
                .map_err(Error::InvalidRequest)?;
            let url = format!("{}/backend/api/v1/task", client.baseurl,);
            let mut header_map = ::reqwest::header::HeaderMap::with_capacity(1usize);
            header_map
                .append(
                    ::reqwest::header::HeaderName::from_static("api-version"),
                    ::reqwest::header::HeaderValue::from_static(
                        super::Client::api_version(),
                    ),
                );
            #[allow(unused_mut)]
            let mut request = client
                .client
                .delete(url)
                .header(
                    ::reqwest::header::ACCEPT,
                    ::reqwest::header::HeaderValue::from_static("application/json"),
                )
                .json(&body)
                .headers(header_map)
                .build()?;
            let info = OperationInfo {
                operation_id: "delete_task",
            };
            client.pre(&mut request, &info).await?;
            let result = client.exec(request, &info).await;
            client.post(&result, &info).await?;
            let response = result?;
            match response.status().as_u16() {
                200u16 => ResponseValue::from_response(response).await,
                400u16..=499u16 => {
                    Err(
                        Error::ErrorResponse(
                            ResponseValue::from_response(response).await?,
                        ),
                    )
                }
                500u16..=599u16 => {
                    Err(
                        Error::ErrorResponse(
                            ResponseValue::from_response(response).await?,
                        ),
                    )
                }
                _ => Err(Error::UnexpectedResponse(response)),
            }
        }
    }
    /**Builder for [`Client::put_task_status`]

[`Client::put_task_status`]: super::Client::put_task_status*/
    #[derive(Debug, Clone)]
    pub struct PutTaskStatus<'a> {
        client: &'a super::Client,
        body: Result<types::builder::PutTaskStatusBody, String>,
    }
    impl<'a> PutTaskStatus<'a> {
        pub fn new(client: &'a super::Client) -> Self {
            Self {
                client: client,
                body: Ok(::std::default::Default::default()),
            }
        }
        pub fn body<V>(mut self, value: V) -> Self
        where
            V: std::convert::TryInto<types::PutTaskStatusBody>,
            <V as std::convert::TryInto<
                types::PutTaskStatusBody,
            >>::Error: std::fmt::Display,
        {
            self.body = value
                .try_into()
                .map(From::from)
                .map_err(|s| {
                    format!("conversion to `PutTaskStatusBody` for body failed: {}", s)
                });
            self
        }
        pub fn body_map<F>(mut self, f: F) -> Self
        where
            F: std::ops::FnOnce(
                types::builder::PutTaskStatusBody,
            ) -> types::builder::PutTaskStatusBody,
        {
            self.body = self.body.map(f);
            self
        }
        ///Sends a `PUT` request to `/backend/api/v1/task/status`
        pub async fn send(
            self,
        ) -> Result<ResponseValue<types::PutTaskStatusResponse>, Error<types::Error>> {
            let Self { client, body } = self;
            let body = body
                .and_then(|v| {
                    types::PutTaskStatusBody::try_from(v).map_err(|e| e.to_string())
                })
                .map_err(Error::InvalidRequest)?;
            let url = format!("{}/backend/api/v1/task/status", client.baseurl,);
            let mut header_map = ::reqwest::header::HeaderMap::with_capacity(1usize);
            header_map
                .append(
                    ::reqwest::header::HeaderName::from_static("api-version"),
                    ::reqwest::header::HeaderValue::from_static(
                        super::Client::api_version(),
                    ),
                );
            #[allow(unused_mut)]
            let mut request = client
                .client
                .put(url)
                .header(
                    ::reqwest::header::ACCEPT,
                    ::reqwest::header::HeaderValue::from_static("application/json"),
                )
                .json(&body)
                .headers(header_map)
                .build()?;
            let info = OperationInfo {
                operation_id: "put_task_status",
            };
            client.pre(&mut request, &info).await?;
            let result = client.exec(request, &info).await;
            client.post(&result, &info).await?;
            let response = result?;
            match response.status().as_u16() {
                200u16 => ResponseValue::from_response(response).await,
                400u16..=499u16 => {
                    Err(
                        Error::ErrorResponse(
                            ResponseValue::from_response(response).await?,
                        ),
                    )
                }
                500u16..=599u16 => {
                    Err(
                        Error::ErrorResponse(
                            ResponseValue::from_response(response).await?,
                        ),
                    )
                }
                _ => Err(Error::UnexpectedResponse(response)),
            }
        }
    }
    /**Builder for [`Client::get_tasks`]

[`Client::get_tasks`]: super::Client::get_tasks*/
    #[derive(Debug, Clone)]
    pub struct GetTasks<'a> {
        client: &'a super::Client,
        limit: Result<Option<i64>, String>,
        offset: Result<Option<i64>, String>,
    }
    impl<'a> GetTasks<'a> {
        pub fn new(client: &'a super::Client) -> Self {
            Self {
                client: client,
                limit: Ok(None),
                offset: Ok(None),
            }
        }
        pub fn limit<V>(mut self, value: V) -> Self
        where
            V: std::convert::TryInto<i64>,
        {
            self.limit = value
                .try_into()
                .map(Some)
                .map_err(|_| "conversion to `i64` for limit failed".to_string());
            self
        }
        pub fn offset<V>(mut self, value: V) -> Self
        where
            V: std::convert::TryInto<i64>,
        {
            self.offset = value
                .try_into()
                .map(Some)
                .map_err(|_| "conversion to `i64` for offset failed".to_string());
            self
        }
        ///Sends a `GET` request to `/backend/api/v1/tasks`
        pub async fn send(
            self,
        ) -> Result<ResponseValue<types::GetTasksResponse>, Error<types::Error>> {
            let Self { client, limit, offset } = self;
            let limit = limit.map_err(Error::InvalidRequest)?;
            let offset = offset.map_err(Error::InvalidRequest)?;
            let url = format!("{}/backend/api/v1/tasks", client.baseurl,);
            let mut header_map = ::reqwest::header::HeaderMap::with_capacity(1usize);
            header_map
                .append(
                    ::reqwest::header::HeaderName::from_static("api-version"),
                    ::reqwest::header::HeaderValue::from_static(
                        super::Client::api_version(),
                    ),
                );
            #[allow(unused_mut)]
            let mut request = client
                .client
                .get(url)
                .header(
                    ::reqwest::header::ACCEPT,
                    ::reqwest::header::HeaderValue::from_static("application/json"),
                )
                .query(&progenitor_client::QueryParam::new("limit", &limit))
                .query(&progenitor_client::QueryParam::new("offset", &offset))
                .headers(header_map)
                .build()?;
            let info = OperationInfo {
                operation_id: "get_tasks",
            };
            client.pre(&mut request, &info).await?;
            let result = client.exec(request, &info).await;
            client.post(&result, &info).await?;
            let response = result?;
            match response.status().as_u16() {
                200u16 => ResponseValue::from_response(response).await,
                400u16..=499u16 => {
                    Err(
                        Error::ErrorResponse(
                            ResponseValue::from_response(response).await?,
                        ),
                    )
                }
                500u16..=599u16 => {
                    Err(
                        Error::ErrorResponse(
                            ResponseValue::from_response(response).await?,
                        ),
                    )
                }
                _ => Err(Error::UnexpectedResponse(response)),
            }
        }
    }
}
/// Items consumers will typically use such as the Client.
pub mod prelude {
    pub use self::super::Client;
}
