with definitions as (
    select * from {{ ref('metrics') }}
)

select * from definitions
