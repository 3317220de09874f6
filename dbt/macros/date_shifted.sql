{#- `day` moved by `amount` (an SQL expression, negative for earlier) units
    of `part` (day, month, year), as a date on every engine: dbt's
    cross-database dateadd gives a timestamp on PostgreSQL. -#}
{% macro date_shifted(day, amount, part) -%}
    cast({{ dbt.dateadd(part, amount, day) }} as date)
{%- endmacro %}
