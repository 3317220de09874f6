{#- The year, quarter, month or ISO day of the week (1 Monday .. 7 Sunday)
    of `date` as a whole number (bigint) on every engine: extract() gives
    a bigint on DuckDB but a numeric on PostgreSQL, whose year() and
    isodow() do not exist. -#}
{% macro calendar_part(part, date) -%}
    cast(extract({{ part }} from {{ date }}) as bigint)
{%- endmacro %}
