-- kpi_district_month in long form with its comparisons: one row per
-- district, month and metric that a month holds by itself (counts, money
-- and stocks: a ratio is a ratio of sums, never read off one month), with
-- the month before (环比) and the same month last year (同比). The kinds
-- are this model's meta (metric_kinds), which kpi_lineage reads too.
{%- set kinds = ['count', 'money', 'stock'] %}
{{ config(meta={'metric_kinds': kinds}) }}
{%- set metrics = kpi_metrics_of_kind(kpi_metrics(), kinds) %}
with months as (
    select * from {{ ref('kpi_district_month') }}
),

-- one row per metric (an unpivot, written so that PostgreSQL runs it too)
long as (
    select
        months.district_code,
        months.month,
        measures.metric,
        measures.value
    from months
    cross join lateral (
        values
        {%- for metric in metrics %}
            ('{{ metric }}', months.{{ metric }}){{ ',' if not loop.last }}
        {%- endfor %}
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
