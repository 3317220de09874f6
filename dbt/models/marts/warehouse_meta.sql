with window_ as (
    select * from {{ ref('int_reporting_window') }}
),

final as (
    select
        data_date,
        first_month,
        cast('{{ var("today") }}' as date) as today,
        cast('{{ var("built_at") }}' as timestamp) as built_at
    from window_
)

select * from final
