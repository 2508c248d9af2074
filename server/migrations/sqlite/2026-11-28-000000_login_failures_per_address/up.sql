-- Failed logins are counted per name *and* client address: failures lock a name only for the
-- address they come from, so nobody can lock another user out by failing on purpose. The row of
-- address '*' counts a name's failures from every address, which slow that name down instead
-- (one row read, however many addresses an attacker uses). The old counts, per name only, are
-- dropped: they last 15 minutes at most.
DROP TABLE login_failures;
CREATE TABLE login_failures (
    name TEXT NOT NULL,
    address TEXT NOT NULL,
    failures BIGINT NOT NULL,
    first_failed_at BIGINT NOT NULL,
    PRIMARY KEY (name, address)
);
