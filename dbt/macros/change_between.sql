{#- How far `now` has moved from `before` (同比, 环比), as a double: for a
    rate (`in_points`, an SQL boolean) the difference in fraction points
    (0.021 = 2.1 percentage points); for anything else the relative change
    (0.1 = +10%), null when `before` is 0. Null when either is null. -#}
{% macro change_between(now, before, in_points) -%}
    case
        when {{ in_points }}
            then cast({{ now }} as double precision)
            - cast({{ before }} as double precision)
        else (
            cast({{ now }} as double precision)
            - cast({{ before }} as double precision)
        ) / nullif(cast({{ before }} as double precision), 0)
    end
{%- endmacro %}
