//! Passwords (argon2id), session tokens (256 random bits, stored as SHA-256) and cookies.

use argon2::password_hash::PasswordHasher;
use argon2::Argon2;
use base64::Engine as _;
use rand::Rng as _;
use sha2::Digest as _;

mod checks;
pub mod limits;

/// The smallest password length the CLI accepts.
pub const MIN_PASSWORD_LEN: usize = 8;

/// Whether `name` can be a user name: 1 to 64 bytes, no whitespace or control characters.
pub fn valid_user_name(name: &str) -> bool {
    !name.is_empty() && name.len() <= 64 && !name.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// Hashes a password with argon2id (the crate's default parameters) and a random salt (from the OS).
pub fn hash_password(password: &str) -> anyhow::Result<String> {
    let hash =
        Argon2::default().hash_password(password.as_bytes()).map_err(|e| anyhow::anyhow!("hashing a password: {e}"))?;
    Ok(hash.to_string())
}

pub use checks::{Busy, PasswordChecks};

/// A hash no password matches, verified against for unknown names so that they take as long as
/// a wrong password.
pub fn dummy_hash() -> &'static str {
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HASH.get_or_init(|| hash_password(&new_token()).expect("argon2 hashes a random password"))
}

/// A fresh session token: 32 bytes from the OS RNG, base64url without padding (43 characters).
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// A random password for the first `admin`: 18 bytes, base64url (24 characters).
pub fn new_password() -> String {
    let mut bytes = [0u8; 18];
    rand::rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// What the database stores of a token: its SHA-256, hex.
pub fn token_hash(token: &str) -> String {
    hex(&sha2::Sha256::digest(token.as_bytes()))
}

/// Lower-case hex of `bytes` (token hashes, upload names). Every authenticated request hashes its
/// token: one allocation, no `format!` per byte.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut hex = String::with_capacity(2 * bytes.len());
    for &b in bytes {
        hex.push(char::from(DIGITS[usize::from(b >> 4)]));
        hex.push(char::from(DIGITS[usize::from(b & 0xf)]));
    }
    hex
}

/// The `Set-Cookie` value carrying a session token.
pub fn session_cookie(name: &str, token: &str, max_age_secs: u64, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!("{name}={token}; HttpOnly; SameSite=Lax; Path=/; Max-Age={max_age_secs}{secure}")
}

/// The `Set-Cookie` value that clears the session cookie.
pub fn clear_cookie(name: &str, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!("{name}=; HttpOnly; SameSite=Lax; Path=/; Max-Age=0{secure}")
}

/// The session token of a request: the `x-auth-token` header first, then the cookie `name`.
pub fn request_token(headers: &http::HeaderMap, cookie_name: &str) -> Option<String> {
    let from_header = headers
        .get(backend_api::AUTH_TOKEN_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|v| !v.is_empty());
    if let Some(token) = from_header {
        return Some(token.to_owned());
    }
    headers
        .get_all(http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, v)| *k == cookie_name && !v.is_empty())
        .map(|(_, v)| v.trim_matches('"').to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_verify_only_against_their_own_hash() {
        let hash = hash_password("correct horse").unwrap();
        assert!(hash.starts_with("$argon2id$"), "{hash}");
        assert!(checks::verify_in("correct horse", &hash, &mut Vec::new()));
        assert!(!checks::verify_in("correct hors", &hash, &mut Vec::new()));
    }

    #[test]
    fn tokens_are_long_random_and_stored_hashed() {
        let (a, b) = (new_token(), new_token());
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
        assert_eq!(token_hash(&a).len(), 64);
        // The SHA-256 of "abc" (FIPS 180-2, appendix B.1), as the database stores it.
        assert_eq!(token_hash("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        assert_ne!(token_hash(&a), a);
    }

    #[test]
    fn header_beats_cookie() {
        let mut h = http::HeaderMap::new();
        h.insert("cookie", "other=1; sid=from-cookie".parse().unwrap());
        assert_eq!(request_token(&h, "sid").as_deref(), Some("from-cookie"));
        h.insert("x-auth-token", "from-header".parse().unwrap());
        assert_eq!(request_token(&h, "sid").as_deref(), Some("from-header"));
        assert_eq!(request_token(&http::HeaderMap::new(), "sid"), None);
    }
}
