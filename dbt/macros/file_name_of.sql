{#- The file name at the end of `path` (an SQL expression), whether the
    path was written with / or \ (a file submitted from Windows): dbt's
    cross-database replace and split_part, so the same model builds on
    DuckDB and on PostgreSQL. -#}
{% macro file_name_of(path) -%}
    {{ dbt.split_part(dbt.replace(path, "'\\'", "'/'"), "'/'", -1) }}
{%- endmacro %}
