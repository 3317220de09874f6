-- One row per problem found in a quarantined row (a row with three problems
-- has three), with the load it came in and what it takes to send the file
-- back annotated (its archived copy). Each is listed under the row's own
-- district, or the unknown district where that cannot be read: only
-- stewards see those.
with errors as (
    select * from {{ ref('stg_landing__load_errors') }}
    where source_row is not null
),

loads as (
    select * from {{ ref('stg_landing__loads') }}
),

final as (
    select
        coalesce(
            errors.district_code, '{{ var("unknown_district_code") }}'
        ) as district_code,
        errors.load_id,
        loads.load_seq,
        loads.file_name,
        loads.sheet,
        errors.source_row,
        errors.column_name,
        errors.code,
        errors.message,
        errors.message_en,
        loads.path,
        loads.archive_path,
        loads.sha256,
        loads.dataset
    from errors
    inner join loads on errors.load_id = loads.load_id
)

select * from final
