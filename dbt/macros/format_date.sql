{#- `date` written as text in a strftime `format` (%Y, %m and %b only, the
    codes the labels use): DuckDB's strftime, PostgreSQL's to_char with the
    same codes in its own spelling (%b is English there as in DuckDB). -#}
{% macro format_date(date, format) -%}
    {{ return(adapter.dispatch('format_date', 'unionkpi')(date, format)) }}
{%- endmacro %}

{% macro default__format_date(date, format) -%}
    to_char(
        cast({{ date }} as timestamp),
        '{{ format | replace("%Y", "YYYY") | replace("%m", "MM")
            | replace("%b", "Mon") }}'
    )
{%- endmacro %}

{% macro duckdb__format_date(date, format) -%}
    strftime({{ date }}, '{{ format }}')
{%- endmacro %}
