{#- The KPIs that are ratios of two sums, each numerator and denominator a
    column of kpi_district_month: summed over the same months and the same
    area first, then divided (macros/rounded_ratio.sql). Written once, for
    the districts and the city alike (kpi_year_to_date). -#}
{% macro kpi_ratios() -%}
    {{ return({
        'mediation_rate': ['legal_aid_mediated', 'legal_aid_closed'],
        'new_employment_form_share': [
            'legal_aid_new_form_workers', 'legal_aid_workers'
        ],
        'avg_days_to_close': [
            'legal_aid_days_to_close', 'legal_aid_closed_dated'
        ],
        'avg_workdays_to_close': [
            'legal_aid_workdays_to_close', 'legal_aid_closed_dated'
        ],
    }) }}
{%- endmacro %}
