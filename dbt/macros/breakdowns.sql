{#- The day marts (kpi_legal_aid_day, kpi_wage_day, kpi_certification_day,
    kpi_certification_campaign) hold one block of rows per breakdown:
    'all' (each district's whole) and one per grouping column. -#}

{#- A row's breakdown value: the grouping column, null on the 'all' rows. -#}
{% macro breakdown_key(dimension) -%}
    {{ return('cast(null as varchar)' if dimension == 'all' else dimension) }}
{%- endmacro %}

{#- The blocks `<prefix><dimension>` of every breakdown, as one relation. -#}
{% macro union_of_breakdowns(prefix, dimensions) -%}
    {%- set blocks = [] -%}
    {%- for dimension in dimensions -%}
        {%- do blocks.append('select * from ' ~ prefix ~ dimension) -%}
    {%- endfor -%}
    {{ return(blocks | join('\nunion all\n')) }}
{%- endmacro %}
