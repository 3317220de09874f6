-- The city's figures of each month (全市月度): kpi_year_to_date's city
-- rows, the month's own value, one column per figure as in
-- kpi_district_month. Counts as whole numbers, money in yuan, ratios to
-- four places.
{%- set counts = [
    'legal_aid_cases', 'legal_aid_workers', 'legal_aid_closed',
    'legal_aid_mediated', 'wage_cases', 'wage_workers',
    'certified_enterprises', 'legal_aid_collective_cases',
    'certified_in_force', 'certified_workforce',
] %}
{%- set money = ['legal_aid_recovered_yuan', 'wages_recovered_yuan'] %}

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
        {%- for metric in kpi_ratios() %}
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
