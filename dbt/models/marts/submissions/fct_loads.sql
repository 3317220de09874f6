-- One row per load: every file or sheet ever ingested, rejected and
-- withdrawn ones included, for the steward's data page (what came in, from
-- whom, what became of it).
with loads as (
    select * from {{ ref('stg_landing__loads') }}
),

final as (
    select
        load_id,
        load_seq,
        file_name,
        path,
        archive_path,
        sheet,
        sha256,
        dataset,
        status,
        period_start,
        period_end,
        is_nil_return,
        districts,
        rows_read,
        rows_loaded,
        rows_quarantined,
        loaded_at,
        submitted_by,
        is_withdrawn
    from loads
)

select * from final
