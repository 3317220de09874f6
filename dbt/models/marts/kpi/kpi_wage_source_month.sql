with wages as (
    select * from {{ ref('fct_wage_recoveries') }}
),

months as (
    select
        district_code,
        month
    from {{ ref('kpi_district_month') }}
),

sources as (
    select value_zh as source
    from {{ ref('dim_category') }}
    where category = 'wage_source'
),

by_source as (
    select
        district_code,
        cast(date_trunc('month', opened_date) as date) as month,
        source,
        count(*) as wage_cases,
        sum(workers) as wage_workers,
        sum(amount_recovered_yuan) as wages_recovered_yuan
    from wages
    group by district_code, month, source
),

final as (
    select
        months.district_code,
        months.month,
        sources.source,
        coalesce(by_source.wage_cases, 0) as wage_cases,
        coalesce(by_source.wage_workers, 0) as wage_workers,
        cast(coalesce(by_source.wages_recovered_yuan, 0) as decimal(18, 2))
            as wages_recovered_yuan
    from months
    cross join sources
    left join by_source
        on months.district_code = by_source.district_code
        and months.month = by_source.month
        and sources.source = by_source.source
)

select * from final
