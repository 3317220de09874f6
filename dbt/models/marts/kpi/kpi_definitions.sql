{#- The metrics seed, with each ratio's two parts from kpi_metrics(): the
    one statement of what a rate or an average divides, read by the models
    (macros/kpi_metrics.sql) and by the dashboards, which divide the same
    parts summed over whatever period and districts they show. -#}
{%- set ratios = kpi_ratios(kpi_metrics()) -%}

with definitions as (
    select * from {{ ref('metrics') }}
),

final as (
    select
        definitions.*,
        case definitions.metric
            {%- for metric, parts in ratios.items() %}
                when '{{ metric }}' then '{{ parts[0] }}'
            {%- endfor %}
        end as numerator,
        case definitions.metric
            {%- for metric, parts in ratios.items() %}
                when '{{ metric }}' then '{{ parts[1] }}'
            {%- endfor %}
        end as denominator
    from definitions
)

select * from final
