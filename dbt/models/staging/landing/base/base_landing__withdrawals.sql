-- One row per withdrawn load: the landing data's deletes table (dbt's base
-- model pattern). macros/latest_versions.sql leaves these loads' rows out
-- of every staging model; stg_landing__loads marks them is_withdrawn.
with withdrawals as (
    select * from {{ source('landing', 'withdrawals') }}
),

final as (
    select
        load_id,
        withdrawn_by,
        reason as withdrawal_reason,
        withdrawn_at
    from withdrawals
)

select * from final
