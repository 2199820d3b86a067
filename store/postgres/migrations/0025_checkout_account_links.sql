-- The checkout account an app user has proven to own (issue 11,
-- User.checkoutAccount): the user logged in to the account with its e-mail
-- and password while authenticated with its User API access token
-- (linkCheckoutAccount). One account per user and one user per account:
-- linking again replaces the user's link; an account linked to another user
-- is refused until that link is gone or void.
CREATE TABLE checkout_account_links (
    user_id    text        PRIMARY KEY REFERENCES users (user_id) ON DELETE CASCADE,
    account_id text        NOT NULL REFERENCES checkout_accounts (account_id) ON DELETE CASCADE,
    -- The account's password epoch when the link was proven: once the
    -- password changes (or is reset), the link is void, as the account's
    -- sessions are.
    session_epoch integer  NOT NULL,
    linked_at  timestamptz NOT NULL,
    CONSTRAINT checkout_account_links_account_key UNIQUE (account_id)
);
