{#- Whole months from the month of `start_date` to the month of `end_date`
    (dbt's cross-database datediff), as a bigint on every engine:
    PostgreSQL's datediff computes it in double precision. -#}
{% macro months_between(start_date, end_date) -%}
    cast({{ dbt.datediff(start_date, end_date, 'month') }} as bigint)
{%- endmacro %}
