-- The settlement model of a merchant (Loyalty Settlement API, seed 002):
-- companies, stores, product categories with their products, campaigns and
-- derived shares; and the blocked products that are never settled, for
-- every merchant.
--
-- Shares are NUMERIC(5,2) between 0 and 100 (the service refuses a third
-- decimal before it reaches here). A rule never has both shares derived:
-- each would be looked up by the value of the other.
--
-- Deleting a merchant that still has companies, stores, categories or
-- campaigns is refused (ON DELETE RESTRICT, answered 409): they decide
-- where money goes and are deleted one by one, on purpose. Derived shares
-- are only a lookup table of the merchant and go with it; products go with
-- their category. A category that a campaign names cannot be deleted.

CREATE TABLE companies (
    company_id          text          NOT NULL CHECK (char_length(company_id) BETWEEN 1 AND 32),
    merchant_id         text          NOT NULL,
    name                text          NOT NULL CHECK (char_length(name) BETWEEN 1 AND 128),
    registration_number text          NOT NULL CHECK (char_length(registration_number) BETWEEN 1 AND 128),
    user_share          numeric(5, 2) NOT NULL CHECK (user_share BETWEEN 0 AND 100),
    user_share_type     text          NOT NULL CHECK (user_share_type IN ('percentage', 'fixed_amount', 'derived')),
    provider_share      numeric(5, 2) NOT NULL CHECK (provider_share BETWEEN 0 AND 100),
    provider_share_type text          NOT NULL CHECK (provider_share_type IN ('percentage', 'fixed_amount', 'derived')),
    created_at          timestamptz   NOT NULL,
    updated_at          timestamptz   NOT NULL,
    CONSTRAINT companies_pkey PRIMARY KEY (company_id),
    CONSTRAINT companies_merchant_fkey FOREIGN KEY (merchant_id) REFERENCES merchants (merchant_id) ON DELETE RESTRICT,
    -- A transaction names one company by its registration number (CVR), so
    -- the number belongs to one merchant; the index is the engine's look-up.
    CONSTRAINT companies_registration_number_key UNIQUE (registration_number),
    CONSTRAINT companies_shares_not_both_derived CHECK (NOT (user_share_type = 'derived' AND provider_share_type = 'derived'))
);
CREATE INDEX companies_merchant_idx ON companies (merchant_id, company_id);

CREATE TABLE stores (
    store_id            text          NOT NULL CHECK (char_length(store_id) BETWEEN 1 AND 32),
    merchant_id         text          NOT NULL,
    store_number        text          NOT NULL CHECK (char_length(store_number) BETWEEN 1 AND 128),
    name                text          NOT NULL CHECK (char_length(name) BETWEEN 1 AND 128),
    user_share          numeric(5, 2) NOT NULL CHECK (user_share BETWEEN 0 AND 100),
    user_share_type     text          NOT NULL CHECK (user_share_type IN ('percentage', 'fixed_amount', 'derived')),
    provider_share      numeric(5, 2) NOT NULL CHECK (provider_share BETWEEN 0 AND 100),
    provider_share_type text          NOT NULL CHECK (provider_share_type IN ('percentage', 'fixed_amount', 'derived')),
    source              text          NOT NULL DEFAULT 'transaction' CHECK (source IN ('transaction', 'receipt')),
    created_at          timestamptz   NOT NULL,
    updated_at          timestamptz   NOT NULL,
    CONSTRAINT stores_pkey PRIMARY KEY (store_id),
    CONSTRAINT stores_merchant_fkey FOREIGN KEY (merchant_id) REFERENCES merchants (merchant_id) ON DELETE RESTRICT,
    CONSTRAINT stores_shares_not_both_derived CHECK (NOT (user_share_type = 'derived' AND provider_share_type = 'derived'))
);
-- Store numbers of card transactions come from the acquirer (the
-- cardAcceptorId) and are global: one number settles for one merchant.
-- The index is also the engine's look-up by store number.
CREATE UNIQUE INDEX stores_transaction_number_key ON stores (store_number) WHERE source = 'transaction';
-- Receipt store numbers are the merchant's own POS numbering.
CREATE UNIQUE INDEX stores_receipt_number_key ON stores (merchant_id, store_number) WHERE source = 'receipt';
CREATE INDEX stores_merchant_idx ON stores (merchant_id, store_id);

CREATE TABLE categories (
    category_id         text          NOT NULL CHECK (char_length(category_id) BETWEEN 1 AND 32),
    merchant_id         text          NOT NULL,
    name                text          NOT NULL CHECK (char_length(name) BETWEEN 1 AND 128),
    user_share          numeric(5, 2) NOT NULL CHECK (user_share BETWEEN 0 AND 100),
    user_share_type     text          NOT NULL CHECK (user_share_type IN ('percentage', 'fixed_amount', 'derived')),
    provider_share      numeric(5, 2) NOT NULL CHECK (provider_share BETWEEN 0 AND 100),
    provider_share_type text          NOT NULL CHECK (provider_share_type IN ('percentage', 'fixed_amount', 'derived')),
    -- NULL: the category applies in every store of the merchant.
    store_number        text          CHECK (char_length(store_number) BETWEEN 1 AND 128),
    created_at          timestamptz   NOT NULL,
    updated_at          timestamptz   NOT NULL,
    CONSTRAINT categories_pkey PRIMARY KEY (category_id),
    CONSTRAINT categories_merchant_fkey FOREIGN KEY (merchant_id) REFERENCES merchants (merchant_id) ON DELETE RESTRICT,
    -- Target of the campaigns' (merchant, category) reference; also the
    -- index of a merchant's categories.
    CONSTRAINT categories_merchant_category_key UNIQUE (merchant_id, category_id),
    CONSTRAINT categories_shares_not_both_derived CHECK (NOT (user_share_type = 'derived' AND provider_share_type = 'derived'))
);

-- A product number appears once per category; the same number may sit in a
-- store-specific category and in one for every store.
CREATE TABLE products (
    product_id     text        NOT NULL CHECK (char_length(product_id) BETWEEN 1 AND 32),
    category_id    text        NOT NULL,
    name           text        NOT NULL DEFAULT '' CHECK (char_length(name) <= 128),
    product_number text        NOT NULL CHECK (char_length(product_number) BETWEEN 1 AND 128),
    created_at     timestamptz NOT NULL,
    CONSTRAINT products_pkey PRIMARY KEY (product_id),
    CONSTRAINT products_category_fkey FOREIGN KEY (category_id) REFERENCES categories (category_id) ON DELETE CASCADE,
    CONSTRAINT products_category_number_key UNIQUE (category_id, product_number)
);

CREATE TABLE campaigns (
    campaign_id         text          NOT NULL CHECK (char_length(campaign_id) BETWEEN 1 AND 32),
    merchant_id         text          NOT NULL,
    name                text          NOT NULL DEFAULT '' CHECK (char_length(name) <= 64),
    campaign_start      timestamptz   NOT NULL,
    campaign_end        timestamptz   NOT NULL,
    user_share          numeric(5, 2) NOT NULL CHECK (user_share BETWEEN 0 AND 100),
    user_share_type     text          NOT NULL CHECK (user_share_type IN ('percentage', 'fixed_amount', 'derived')),
    provider_share      numeric(5, 2) NOT NULL CHECK (provider_share BETWEEN 0 AND 100),
    provider_share_type text          NOT NULL CHECK (provider_share_type IN ('percentage', 'fixed_amount', 'derived')),
    -- Optional scope: NULL means every store, category or product.
    store_number        text          CHECK (char_length(store_number) BETWEEN 1 AND 128),
    category_id         text,
    product_number      text          CHECK (char_length(product_number) BETWEEN 1 AND 128),
    created_at          timestamptz   NOT NULL,
    updated_at          timestamptz   NOT NULL,
    CONSTRAINT campaigns_pkey PRIMARY KEY (campaign_id),
    CONSTRAINT campaigns_merchant_fkey FOREIGN KEY (merchant_id) REFERENCES merchants (merchant_id) ON DELETE RESTRICT,
    -- A campaign's category is one of its own merchant's categories.
    CONSTRAINT campaigns_category_fkey FOREIGN KEY (merchant_id, category_id)
        REFERENCES categories (merchant_id, category_id) ON DELETE RESTRICT,
    CONSTRAINT campaigns_period CHECK (campaign_start < campaign_end),
    CONSTRAINT campaigns_shares_not_both_derived CHECK (NOT (user_share_type = 'derived' AND provider_share_type = 'derived'))
);
-- The engine's look-up: a merchant's campaigns around a transaction's time.
CREATE INDEX campaigns_merchant_period_idx ON campaigns (merchant_id, campaign_start, campaign_end);
-- "Active and future" campaigns of every merchant.
CREATE INDEX campaigns_end_idx ON campaigns (campaign_end);

CREATE TABLE derived_shares (
    derived_share_id   text          NOT NULL CHECK (char_length(derived_share_id) BETWEEN 1 AND 32),
    merchant_id        text          NOT NULL,
    share              numeric(5, 2) NOT NULL CHECK (share BETWEEN 0 AND 100),
    derived_share      numeric(5, 2) NOT NULL CHECK (derived_share BETWEEN 0 AND 100),
    derived_share_type text          NOT NULL CHECK (derived_share_type IN ('percentage', 'fixed_amount')),
    created_at         timestamptz   NOT NULL,
    updated_at         timestamptz   NOT NULL,
    CONSTRAINT derived_shares_pkey PRIMARY KEY (derived_share_id),
    CONSTRAINT derived_shares_merchant_fkey FOREIGN KEY (merchant_id) REFERENCES merchants (merchant_id) ON DELETE CASCADE,
    -- The lookup is by share value: one derived share per value.
    CONSTRAINT derived_shares_merchant_share_key UNIQUE (merchant_id, share)
);

-- Products that are never settled, whichever merchant sells them.
CREATE TABLE blocked_products (
    product_id     text        NOT NULL CHECK (char_length(product_id) BETWEEN 1 AND 32),
    name           text        NOT NULL DEFAULT '' CHECK (char_length(name) <= 128),
    product_number text        NOT NULL CHECK (char_length(product_number) BETWEEN 1 AND 128),
    created_at     timestamptz NOT NULL,
    CONSTRAINT blocked_products_pkey PRIMARY KEY (product_id),
    CONSTRAINT blocked_products_product_number_key UNIQUE (product_number)
);
