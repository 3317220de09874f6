-- One row: the first month with data and the data date (数据截至), the last
-- day of the latest month reported in legal-aid or wage returns, never after
-- today. Certification returns declare campaign years, not months, so they
-- do not move the data date; but an enterprise certified before the first
-- case or wage record still opens the window, or no month would count it.
with loads as (
    select * from {{ ref('stg_landing__loads') }}
),

legal_aid as (
    select * from {{ ref('stg_landing__legal_aid_cases') }}
),

wages as (
    select * from {{ ref('stg_landing__wage_recoveries') }}
),

certifications as (
    select * from {{ ref('stg_landing__certifications') }}
),

reported as (
    select max(period_end) as last_period_end
    from loads
    where status = 'loaded' and dataset in ('legal_aid', 'wage_recovery')
),

first_dates as (
    select min(received_date) as first_date from legal_aid
    union all
    select min(opened_date) from wages
    union all
    select min(certified_date) from certifications
),

final as (
    select
        cast(date_trunc('month', min(first_dates.first_date)) as date)
            as first_month,
        least(
            max(reported.last_period_end),
            cast('{{ env_var("UNIONKPI_BUILD_TODAY") }}' as date)
        ) as data_date
    from first_dates
    cross join reported
)

select * from final
