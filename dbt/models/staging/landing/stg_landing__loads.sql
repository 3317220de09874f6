with loads as (
    select * from {{ source('landing', 'loads') }}
),

withdrawals as (
    select * from {{ ref('base_landing__withdrawals') }}
),

final as (
    select
        load_id,
        load_seq,
        sha256,
        path,
        {{ file_name_of('path') }} as file_name,
        archive_path,
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
        load_id in (select withdrawals.load_id from withdrawals)
            as is_withdrawn
    from loads
)

select * from final
