{#- One row per campaign year, district, breakdown value and status: the
    enterprises in that year's campaign and their employees, so a
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
            {% if dimension == 'all' -%}
                cast(null as varchar)
            {%- else -%}
                {{ dimension }}
            {%- endif %} as breakdown_key,
            status,
            count(*) as enterprises,
            coalesce(sum(employees), 0) as employees
        from certifications
        group by campaign_year, district_code, status, breakdown_key
    ),

{% endfor %}
final as (
    {% for dimension in ['all'] + dimensions %}
        select * from by_{{ dimension }}
        {% if not loop.last %}union all{% endif %}
    {% endfor %}
)

select * from final
