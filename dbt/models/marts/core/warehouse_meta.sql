with window_ as (
    select * from {{ ref('int_reporting_window') }}
),

final as (
    select
        data_date,
        first_month,
        cast('{{ env_var("UNIONKPI_BUILD_TODAY") }}' as date) as today,
        -- how far behind its benchmark a KPI still shows amber
        -- (kpi_year_to_date's status), for the Definitions page to state
        cast(
            {{ var('status_amber_band') }} as double precision
        ) as status_amber_band,
        -- dbt's own start time (UTC), in Shanghai time; not a var, which
        -- changing every build would make dbt parse the project again
        timezone(
            'Asia/Shanghai', cast('{{ run_started_at }}' as timestamptz)
        ) as built_at
    from window_
)

select * from final
