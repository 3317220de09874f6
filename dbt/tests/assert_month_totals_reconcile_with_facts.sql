-- kpi_district_month must add up to the facts it is built from: any row
-- returned is a difference (to the fen for money).
with months as (
    select
        sum(legal_aid_cases) as cases,
        sum(legal_aid_recovered_yuan) as legal_aid_yuan,
        sum(wage_cases) as wage_cases,
        sum(wages_recovered_yuan) as wages_yuan,
        sum(certified_enterprises) as certified,
    from {{ ref('kpi_district_month') }}
),

facts as (
    select
        (select count(*) from {{ ref('fct_legal_aid_cases') }}) as cases,
        (
            select coalesce(sum(amount_recovered_yuan), 0)
            from {{ ref('fct_legal_aid_cases') }}
        ) as legal_aid_yuan,
        (select count(*) from {{ ref('fct_wage_recoveries') }}) as wage_cases,
        (
            select coalesce(sum(amount_recovered_yuan), 0)
            from {{ ref('fct_wage_recoveries') }}
        ) as wages_yuan,
        (
            select count(*) from {{ ref('fct_certifications') }}
            where status = '达标'
        ) as certified,
)

select *
from months, facts
where
    months.cases != facts.cases
    or months.legal_aid_yuan != facts.legal_aid_yuan
    or months.wage_cases != facts.wage_cases
    or months.wages_yuan != facts.wages_yuan
    or months.certified != facts.certified
