{#- kpi_legal_aid_day by calendar month (summed_by_month): what the
    legal-aid page reads for a period of whole months. -#}
{{ summed_by_month('kpi_legal_aid_day') }}
