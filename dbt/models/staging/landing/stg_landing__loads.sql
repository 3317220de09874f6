with loads as (
    select * from {{ source('landing', 'loads') }}
),

final as (
    select
        load_id,
        load_seq,
        sha256,
        path,
        sheet,
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
    from loads
)

select * from final
