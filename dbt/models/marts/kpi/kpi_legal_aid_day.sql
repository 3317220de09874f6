{#- One row per day received, district and breakdown value: the additive
    parts of every legal-aid figure the subject page shows, so that any
    period (a month, a quarter, 1–N月, any range of days) and any set of
    districts is a sum over at most a few thousand rows whatever the number
    of cases. `dimension` names the breakdown and `breakdown_key` its value;
    the 'all' rows have no key and are each district's whole day (the
    district breakdown sums them by district_code). Ratios are sums
    divided after summing (kpi_definitions: numerator, denominator). -#}
{%- set dimensions = [
    'subdistrict', 'dispute_type', 'industry', 'channel', 'outcome',
    'service_type'
] -%}

with cases as (
    select * from {{ ref('fct_legal_aid_cases') }}
),

{% for dimension in ['all'] + dimensions %}
    by_{{ dimension }} as (
        select
            received_date as date_day,
            district_code,
            '{{ dimension }}' as dimension,
            {{ breakdown_key(dimension) }} as breakdown_key,
            count(*) as legal_aid_cases,
            coalesce(sum(workers), 0) as legal_aid_workers,
            count(*) filter (where is_closed) as legal_aid_closed,
            count(*) filter (where is_mediated) as legal_aid_mediated,
            cast(coalesce(sum(amount_recovered_yuan), 0) as decimal(18, 2))
                as legal_aid_recovered_yuan,
            cast(coalesce(sum(amount_claimed_yuan), 0) as decimal(18, 2))
                as legal_aid_claimed_yuan,
            count(*) filter (where is_collective) as legal_aid_collective_cases,
            coalesce(sum(workers) filter (where is_collective), 0)
                as legal_aid_collective_workers,
            count(*) filter (where is_new_employment_form)
                as legal_aid_new_form_cases,
            coalesce(sum(workers) filter (where is_new_employment_form), 0)
                as legal_aid_new_form_workers,
            count(days_to_close) as legal_aid_closed_dated,
            coalesce(sum(days_to_close), 0) as legal_aid_days_to_close,
            coalesce(sum(workdays_to_close), 0) as legal_aid_workdays_to_close
        from cases
        group by received_date, district_code, breakdown_key
    ),

{% endfor %}
final as (
    {{ union_of_breakdowns('by_', ['all'] + dimensions) }}
)

select * from final
