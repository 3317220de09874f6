{#- The newest load sequence in `relation`'s rows (0 when empty), looked up
    as the query is compiled. -#}
{% macro newest_load_seq(relation) -%}
    {{- return(run_query(
        "select coalesce(max(load_seq), 0) from " ~ relation
    ).columns[0].values()[0]) -}}
{%- endmacro %}
