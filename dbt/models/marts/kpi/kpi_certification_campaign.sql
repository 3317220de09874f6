{#- One row per campaign year, district and breakdown value: the
    enterprises in that year's campaign by status, their employees, and
    those decided (certified or failed): the two parts of the KPI
    certification_pass_rate, named as kpi_metrics() names them. A
    campaign's status table reads a few hundred rows whatever the number of
    enterprises. `dimension` and `breakdown_key` as in kpi_legal_aid_day
    ('all': the district's whole campaign). -#}
{%- set dimensions = ['subdistrict', 'industry'] -%}

with certifications as (
    select * from {{ ref('fct_certifications') }}
),

{% for dimension in ['all'] + dimensions %}
    by_{{ dimension }} as (
        select
            campaign_year,
            district_code,
            '{{ dimension }}' as dimension,
            {{ breakdown_key(dimension) }} as breakdown_key,
            count(*) filter (where status = '达标') as campaign_certified,
            count(*) filter (where status = '测评中') as assessing,
            count(*) filter (where status = '申报') as applied,
            count(*) filter (where status = '未达标') as failed,
            count(*) filter (where status = '撤销') as revoked,
            count(*) filter (
                where status in ('达标', '未达标')
            ) as campaign_decided,
            count(*) as enterprises,
            coalesce(sum(employees), 0) as employees
        from certifications
        group by campaign_year, district_code, breakdown_key
    ),

{% endfor %}
final as (
    {{ union_of_breakdowns('by_', ['all'] + dimensions) }}
)

select * from final
