-- The problems ingest found in rows it quarantined, one row per (load, row,
-- reason): a row with three problems has three. The landing table also
-- allows a problem that belongs to no row (source_row null).
with errors as (
    select * from {{ source('landing', 'load_errors') }}
),

final as (
    select
        load_id,
        source_row,
        column_name,
        code,
        message,
        message_en,
        district_code
    from errors
)

select * from final
