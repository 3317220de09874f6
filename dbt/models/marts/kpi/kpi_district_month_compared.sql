-- kpi_district_month in long form with its comparisons: one row per
-- district, month and measure, with the month before (环比) and the same
-- month last year (同比).
with months as (
    select * from {{ ref('kpi_district_month') }}
),

-- one row per measure (an unpivot, written so that PostgreSQL runs it too)
long as (
    select
        months.district_code,
        months.month,
        measures.metric,
        measures.value
    from months
    cross join lateral (
        values
        ('legal_aid_cases', months.legal_aid_cases),
        ('legal_aid_workers', months.legal_aid_workers),
        ('legal_aid_closed', months.legal_aid_closed),
        ('legal_aid_mediated', months.legal_aid_mediated),
        ('legal_aid_recovered_yuan', months.legal_aid_recovered_yuan),
        ('wage_cases', months.wage_cases),
        ('wage_workers', months.wage_workers),
        ('wages_recovered_yuan', months.wages_recovered_yuan),
        ('certified_enterprises', months.certified_enterprises),
        ('legal_aid_collective_cases', months.legal_aid_collective_cases),
        ('legal_aid_new_form_workers', months.legal_aid_new_form_workers),
        ('certified_in_force', months.certified_in_force),
        ('certified_workforce', months.certified_workforce)
    ) as measures (metric, value)
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
