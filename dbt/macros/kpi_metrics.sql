{#- The KPIs, each with its kind (count, money, rate, average, stock: as
    the metrics seed's kind column, which
    tests/assert_metric_kinds_match_the_seed.sql holds to this list) and,
    for a ratio, the two columns of kpi_district_month it divides (summed
    over the same months and area first, then divided:
    macros/rounded_ratio.sql). The one list of the KPI names the models
    use: kpi_year_to_date adds up, reads and divides by it, kpi_city_month
    casts by it. certified_enterprises counts by campaign year in a year
    to date, not by adding up its months; certification_pass_rate divides
    two counts of a campaign year as the latest returns give its statuses
    (kpi_year_to_date's district_certified, and kpi_certification_campaign's
    columns of the same names), not columns of kpi_district_month. -#}
{% macro kpi_metrics() -%}
    {{ return({
        'legal_aid_cases': {'kind': 'count'},
        'legal_aid_workers': {'kind': 'count'},
        'legal_aid_closed': {'kind': 'count'},
        'legal_aid_mediated': {'kind': 'count'},
        'mediation_rate': {
            'kind': 'rate',
            'parts': ['legal_aid_mediated', 'legal_aid_closed'],
        },
        'legal_aid_recovered_yuan': {'kind': 'money'},
        'wage_cases': {'kind': 'count'},
        'wage_workers': {'kind': 'count'},
        'wages_recovered_yuan': {'kind': 'money'},
        'wage_recovery_rate': {
            'kind': 'rate',
            'parts': ['wages_recovered_yuan', 'wages_owed_yuan'],
        },
        'wage_avg_days_to_resolve': {
            'kind': 'average',
            'parts': ['wage_days_to_resolve', 'wage_resolved_dated'],
        },
        'certified_enterprises': {
            'kind': 'count', 'by_campaign_year': true,
        },
        'legal_aid_collective_cases': {'kind': 'count'},
        'new_employment_form_share': {
            'kind': 'rate',
            'parts': ['legal_aid_new_form_workers', 'legal_aid_workers'],
        },
        'avg_days_to_close': {
            'kind': 'average',
            'parts': ['legal_aid_days_to_close', 'legal_aid_closed_dated'],
        },
        'avg_workdays_to_close': {
            'kind': 'average',
            'parts': [
                'legal_aid_workdays_to_close', 'legal_aid_closed_dated'
            ],
        },
        'certified_in_force': {'kind': 'stock'},
        'certified_workforce': {'kind': 'stock'},
        'certification_pass_rate': {
            'kind': 'rate', 'by_campaign_year': true,
            'parts': ['campaign_certified', 'campaign_decided'],
        },
    }) }}
{%- endmacro %}

{#- The names of `metrics` (kpi_metrics(), passed in by the model: a macro
    that returns what another macro returned does not lint) of the given
    kinds, in their order. -#}
{% macro kpi_metrics_of_kind(metrics, kinds) -%}
    {%- set names = [] -%}
    {%- for metric, about in metrics.items() if about['kind'] in kinds -%}
        {%- do names.append(metric) -%}
    {%- endfor -%}
    {{ return(names) }}
{%- endmacro %}

{#- The counts and money a year to date adds up month by month (all but
    certified_enterprises, which counts by campaign year). -#}
{% macro kpi_summed_metrics(metrics) -%}
    {%- set names = [] -%}
    {%- for metric, about in metrics.items()
        if about['kind'] in ['count', 'money']
        and not about.get('by_campaign_year') -%}
        {%- do names.append(metric) -%}
    {%- endfor -%}
    {{ return(names) }}
{%- endmacro %}

{#- The ratios of `metrics` (rates and averages), each with the two columns
    it divides (of kpi_district_month, or for a campaign year's ratio of
    kpi_certification_campaign): summed over the same months and the same
    area first, then divided (macros/rounded_ratio.sql). -#}
{% macro kpi_ratios(metrics) -%}
    {%- set ratios = {} -%}
    {%- for metric, about in metrics.items() if 'parts' in about -%}
        {%- do ratios.update({metric: about['parts']}) -%}
    {%- endfor -%}
    {{ return(ratios) }}
{%- endmacro %}

{#- Every column of kpi_district_month a year to date adds up: the summed
    KPIs and the parts of the ratios of months, each once. -#}
{% macro kpi_additive_columns(metrics) -%}
    {%- set names = kpi_summed_metrics(metrics) -%}
    {%- for about in metrics.values()
        if 'parts' in about and not about.get('by_campaign_year') -%}
        {%- for part in about['parts'] if part not in names -%}
            {%- do names.append(part) -%}
        {%- endfor -%}
    {%- endfor -%}
    {{ return(names) }}
{%- endmacro %}
