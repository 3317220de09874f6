-- kpi_district_month in long form with its comparisons: one row per
-- district, month and measure, with the month before (环比) and the same
-- month last year (同比).
with months as (
    select * from {{ ref('kpi_district_month') }}
),

long as (
    unpivot months
    -- sqlfluff's duckdb grammar expects an unpivot's columns unindented
    -- noqa: disable=LT02
    on
        legal_aid_cases, legal_aid_workers, legal_aid_closed,
        legal_aid_mediated, legal_aid_recovered_yuan, wage_cases,
        wage_workers, wages_recovered_yuan, certified_enterprises,
        legal_aid_collective_cases, legal_aid_new_form_workers,
        certified_in_force, certified_workforce
    into name metric value value
    -- noqa: enable=LT02
),

final as (
    select
        district_code,
        month,
        metric,
        cast(value as decimal(20, 2)) as value,
        cast(
            lag(value) over (partition by district_code, metric order by month)
            as decimal(20, 2)
        ) as value_previous_month,
        cast(
            lag(value, 12) over (
                partition by district_code, metric order by month
            ) as decimal(20, 2)
        ) as value_same_month_last_year
    from long
)

select * from final
