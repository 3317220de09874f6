{#- A day mart summed by calendar month: one row per month (`month_start`,
    its first day), district and breakdown value, with every additive part
    of the day mart summed and kept in its type. Every period the pages
    offer but a custom range is whole months (a month, a quarter, 1–N月,
    1–2月), and reads a thirtieth of the rows at national scale. The parts
    are the day mart's columns, read from the database when it is built. -#}
{% macro summed_by_month(day_model) -%}
    {%- set keys = ['district_code', 'dimension', 'breakdown_key'] -%}
    {%- set day_mart = ref(day_model) -%}
    {%- set month = dbt.date_trunc('month', 'date_day') -%}
    {%- set month = 'cast(' ~ month ~ ' as date)' -%}
    {%- set columns = [month ~ ' as month_start'] + keys -%}
    {%- if execute -%}
        {%- for part in adapter.get_columns_in_relation(day_mart) -%}
            {%- if part.name not in keys + ['date_day'] -%}
                {%- do columns.append(
                    'cast(sum(' ~ part.name ~ ') as ' ~ part.data_type
                    ~ ') as ' ~ part.name
                ) -%}
            {%- endif -%}
        {%- endfor -%}
        {%- if columns | length == keys | length + 1 -%}
            {{ exceptions.raise_compiler_error(
                day_mart ~ ' has no parts to sum: is it built?'
            ) }}
        {%- endif -%}
    {%- endif -%}
    {{ return(
        'select ' ~ columns | join(', ') ~ ' from ' ~ day_mart
        ~ ' group by ' ~ ([month] + keys) | join(', ')
    ) }}
{%- endmacro %}
