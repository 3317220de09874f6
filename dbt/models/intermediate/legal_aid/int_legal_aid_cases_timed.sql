-- One row per legal-aid case (latest version) with its days to close in
-- calendar days and in working days (receipt day excluded, closing day
-- included), from the shipped holiday calendar. Working days come from a
-- running count over the calendar, so each case costs two lookups rather
-- than a join to every day it was open. A view: only fct_legal_aid_cases
-- reads it, and writing every case twice would double the build's cost.
{{ config(materialized='view') }}

with cases as (
    select * from {{ ref('stg_landing__legal_aid_cases') }}
),

dates as (
    select * from {{ ref('int_dates_classified') }}
),

calendar as (
    select
        date_day,
        count(*) filter (where is_workday) over (
            order by date_day
        ) as workdays_through
    from dates
),

last_day as (
    select max(date_day) as date_day from dates
),

final as (
    select
        cases.*,
        cases.closed_date - cases.received_date as days_to_close,
        case
            when cases.closed_date is not null
                then closed.workdays_through - received.workdays_through
        end as workdays_to_close
    from cases
    cross join last_day
    left join calendar as received
        on cases.received_date = received.date_day
    -- a closing day past the calendar counts the calendar's days only
    left join calendar as closed
        on least(cases.closed_date, last_day.date_day) = closed.date_day
)

select * from final
