-- The city's figures of each month (全市月度): kpi_year_to_date's city
-- rows, the month's own value, one column per figure as in
-- kpi_district_month. Counts as whole numbers, money in yuan, ratios to
-- four places. The certification pass rate has no month (a campaign
-- year's: kpi_city_year).
-- The metrics and their kinds: macros/kpi_metrics.sql.
{%- set metrics = kpi_metrics() %}
{%- set counts = kpi_metrics_of_kind(metrics, ['count', 'stock']) %}
{%- set money = kpi_metrics_of_kind(metrics, ['money']) %}
{%- set ratios = kpi_ratios(metrics) %}

with year_to_date as (
    select * from {{ ref('kpi_year_to_date') }}
    where is_city
),

final as (
    select
        month,
        {%- for metric in counts %}
            cast(
                max(case when metric = '{{ metric }}' then month_value end)
                as bigint
            ) as {{ metric }},
        {%- endfor %}
        {%- for metric in money %}
            cast(
                max(case when metric = '{{ metric }}' then month_value end)
                as decimal(18, 2)
            ) as {{ metric }},
        {%- endfor %}
        {%- for metric in ratios
            if not metrics[metric].get('by_campaign_year') %}
            cast(
                max(case when metric = '{{ metric }}' then month_value end)
                as decimal(20, 4)
            ) as {{ metric }},
        {%- endfor %}
        max(through_date) as through_date
    from year_to_date
    group by month
)

select * from final
