{#- Schemas are named as configured (staging, marts, ...), not prefixed with
    the target schema: the warehouse's tables are a public contract. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {{ custom_schema_name if custom_schema_name else target.schema }}
{%- endmacro %}
