{#- Schemas are named as configured (staging, marts, ...), not prefixed with
    the target schema: the warehouse's tables are a public contract.

    On PostgreSQL a build writes beside the published warehouse, in schemas
    of its own: UNIONKPI_BUILD_PREFIX (set by unionkpi/dbt_runner.py) goes
    before each name, and the publish renames them
    (unionkpi/publish_postgres.py). Unset, as on DuckDB, the names are the
    published ones. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- set prefix = env_var('UNIONKPI_BUILD_PREFIX', '') -%}
    {%- set name = custom_schema_name or target.schema -%}
    {{ prefix }}{{ name }}
{%- endmacro %}
