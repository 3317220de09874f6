{#- One row per day opened, district and breakdown value: the additive
    parts of every figure the recovered-wages page shows, so that any
    period and any set of districts is a sum over a bounded number of rows
    whatever the number of cases. `dimension` and `breakdown_key` as in
    kpi_legal_aid_day ('all': each district's whole day). -#}
{%- set dimensions = ['subdistrict', 'source', 'industry', 'status'] -%}

with wages as (
    select * from {{ ref('fct_wage_recoveries') }}
),

{% for dimension in ['all'] + dimensions %}
    by_{{ dimension }} as (
        select
            opened_date as date_day,
            district_code,
            '{{ dimension }}' as dimension,
            {{ breakdown_key(dimension) }} as breakdown_key,
            count(*) as wage_cases,
            coalesce(sum(workers), 0) as wage_workers,
            cast(coalesce(sum(amount_owed_yuan), 0) as decimal(18, 2))
                as wages_owed_yuan,
            cast(coalesce(sum(amount_recovered_yuan), 0) as decimal(18, 2))
                as wages_recovered_yuan,
            count(*) filter (where is_resolved) as wage_resolved,
            count(*) filter (where not is_resolved) as wage_open,
            count(days_to_resolve) as wage_resolved_dated,
            coalesce(sum(days_to_resolve), 0) as wage_days_to_resolve
        from wages
        group by opened_date, district_code, breakdown_key
    ),

{% endfor %}
final as (
    {{ union_of_breakdowns('by_', ['all'] + dimensions) }}
)

select * from final
