{#- `numerator` / `denominator` as a DECIMAL(20, 4), null when the
    denominator is 0 (never a division error or infinity). The division is
    in double precision (integer division would silently give 0), and the
    double is rounded half away from zero at the 4th decimal, as DuckDB's
    cast to DECIMAL rounds it: `default__` is that cast. PostgreSQL's cast
    rounds the double's 15-digit text instead, which differs where the
    double falls just short of a half (3 / 20000 is 0.000149999... in
    binary: 0.0001 here, 0.0002 by PostgreSQL's cast), so `postgres__`
    rounds the double itself; the same inputs give the same digits on
    both engines. -#}
{% macro rounded_ratio(numerator, denominator) -%}
    {{ return(adapter.dispatch('rounded_ratio', 'unionkpi')(
        numerator, denominator
    )) }}
{%- endmacro %}

{% macro default__rounded_ratio(numerator, denominator) -%}
    cast(
        cast({{ numerator }} as double precision)
        / nullif({{ denominator }}, 0)
        as decimal(20, 4)
    )
{%- endmacro %}

{% macro postgres__rounded_ratio(numerator, denominator) -%}
    {%- set scaled -%}
        abs(
            cast({{ numerator }} as double precision)
            / nullif({{ denominator }}, 0) * 10000
        )
    {%- endset -%}
    {%- set sign -%}
        sign(cast({{ numerator }} as double precision) * {{ denominator }})
    {%- endset -%}
    cast(
        cast(
            {{ sign }} * (
                floor({{ scaled }})
                + case
                    when {{ scaled }} - floor({{ scaled }}) >= 0.5 then 1
                    else 0
                end
            )
            as numeric
        ) / 10000
        as decimal(20, 4)
    )
{%- endmacro %}
