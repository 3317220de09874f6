with targets as (
    select * from {{ source('landing', 'target') }}
),

withdrawals as (
    select * from {{ source('landing', 'withdrawals') }}
),

latest as (
    select *
    from targets
    where load_id not in (select withdrawals.load_id from withdrawals)
    qualify
        row_number() over (
            partition by year, district_code, metric
            order by load_seq desc, source_row desc
        ) = 1
),

final as (
    select
        year,
        district_code,
        metric,
        cast(target as double) as target,
        load_id
    from latest
)

select * from final
