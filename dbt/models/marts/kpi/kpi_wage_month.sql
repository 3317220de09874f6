{#- kpi_wage_day by calendar month (summed_by_month): what the
    recovered-wages page reads for a period of whole months. -#}
{{ summed_by_month('kpi_wage_day') }}
