{#- A build on PostgreSQL reads its own snapshot of the landing data, the
    schema `<build prefix>raw` (unionkpi/publish_postgres.py copies `raw`
    into it in one transaction), so loads committed while it builds reach
    no model halfway; its built views keep pointing at that snapshot once
    published, as a DuckDB warehouse keeps its copy. Without a prefix (DuckDB,
    or dbt run by hand) a source is as declared. -#}
{% macro source(source_name, table_name) %}
    {%- set relation = builtins.source(source_name, table_name) -%}
    {%- set prefix = env_var('UNIONKPI_BUILD_PREFIX', '') -%}
    {%- if prefix -%}
        {%- set schema = prefix ~ relation.schema -%}
        {%- set relation = relation.incorporate(path={'schema': schema}) -%}
    {%- endif -%}
    {{ return(relation) }}
{% endmacro %}
