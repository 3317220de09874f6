with categories as (
    select * from {{ ref('categories') }}
)

select * from categories
