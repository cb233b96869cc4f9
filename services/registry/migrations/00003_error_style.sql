-- The shape of the gateway's own refusals on an API: 'lgsp' (the platform's
-- JSON) or 'national_axis' (the national document axis's answer envelope,
-- for software written against the national SDK).

-- +goose Up
ALTER TABLE registry_apis ADD COLUMN error_style TEXT NOT NULL DEFAULT 'lgsp'
    CHECK (error_style IN ('lgsp', 'national_axis'));

-- +goose Down
ALTER TABLE registry_apis DROP COLUMN error_style;
