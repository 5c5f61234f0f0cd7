//! The union tree (province → city → county → township → grassroots, plus provincial
//! industry unions) and the contacts each union names. Both are held in memory; every
//! other table is streamed.

use super::calendar::day;
use super::names::{self, CITIES, INDUSTRY_UNIONS};
use super::rng::Rng;
use super::writer::{TableWriter, V};
use crate::error::Result;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Province,
    City,
    County,
    Township,
    Grassroots,
}

impl Level {
    pub fn code(self) -> &'static str {
        match self {
            Level::Province => "province",
            Level::City => "city",
            Level::County => "county",
            Level::Township => "township",
            Level::Grassroots => "grassroots",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Union {
    pub id: String,
    pub name: String,
    pub level: Level,
    pub parent: Option<usize>,
    pub email: Option<String>,
    /// The nearest union at county level or above (a compliant approver): the union
    /// itself from county level up, the county for townships and their grassroots, the
    /// industry union for its enterprises.
    pub county: usize,
    /// The union one level above `county` (the city, or the province).
    pub upper: usize,
    /// The nearest non-compliant union above a grassroots union (its township), or the
    /// grassroots union itself under an industry union.
    pub township: usize,
    /// Six-digit administrative area code used in resident ID numbers.
    pub area: String,
    /// Hardship households of this union (grassroots only).
    pub households: u32,
    /// Indices into `Tree::contacts`, ascending; the union's liaisons are not among
    /// them (they hold no households and make no visits).
    pub contacts: Vec<usize>,
}

#[derive(Debug, Clone)]
pub struct Contact {
    pub id: String,
    pub name: String,
    pub union: usize,
    /// `full_time`, `part_time` or `liaison` (contacts.role).
    pub role: &'static str,
    pub civil_servant: bool,
    pub phone: Option<String>,
    pub appointed: i32,
    pub left: Option<i32>,
}

impl Contact {
    /// Serving on day `d` and not leaving within the next month.
    pub fn available(&self, d: i32) -> bool {
        self.appointed <= d && self.left.is_none_or(|l| l > d + 30)
    }
}

pub struct Tree {
    pub unions: Vec<Union>,
    /// Every contact: those the unions name (`Union::contacts`), then the liaisons
    /// (`liaisons::appoint`).
    pub contacts: Vec<Contact>,
    /// Grassroots unions in the order their households are generated.
    pub grassroots: Vec<usize>,
}

/// The last day of the generated history.
pub const END: i32 = day(2026, 12, 31);

impl Tree {
    pub fn build(seed: u64, households: u64) -> Tree {
        let mut rng = Rng::stream(seed, 1, 0);
        let mut unions: Vec<Union> = Vec::new();
        let mut add = |u: Union| {
            unions.push(u);
            unions.len() - 1
        };
        let root = add(Union {
            id: "U37".into(),
            name: "山东省总工会".into(),
            level: Level::Province,
            parent: None,
            email: Some(email("U37")),
            county: 0,
            upper: 0,
            township: 0,
            area: "370100".into(),
            households: 0,
            contacts: Vec::new(),
        });
        let mut industry = Vec::new();
        for (code, name, _) in INDUSTRY_UNIONS {
            let id = format!("U37{code}");
            let i = add(Union {
                email: Some(email(&id)),
                id,
                name: (*name).into(),
                level: Level::County,
                parent: Some(root),
                county: 0,
                upper: root,
                township: 0,
                area: "370100".into(),
                households: 0,
                contacts: Vec::new(),
            });
            industry.push(i);
        }
        let mut townships = Vec::new();
        for (code, city_name, _, counties) in CITIES {
            let city_id = format!("U37{code}");
            let city = add(Union {
                email: Some(email(&city_id)),
                id: city_id.clone(),
                name: format!("{city_name}总工会"),
                level: Level::City,
                parent: Some(root),
                county: 0,
                upper: root,
                township: 0,
                area: format!("37{code}00"),
                households: 0,
                contacts: Vec::new(),
            });
            for (ci, county_name) in counties.iter().enumerate() {
                let county_id = format!("{city_id}{:02}", ci + 1);
                let county = add(Union {
                    email: Some(email(&county_id)),
                    id: county_id.clone(),
                    name: format!("{city_name}{county_name}总工会"),
                    level: Level::County,
                    parent: Some(city),
                    county: 0,
                    upper: city,
                    township: 0,
                    area: format!("37{code}{:02}", ci + 1),
                    households: 0,
                    contacts: Vec::new(),
                });
                let urban = county_name.ends_with('区');
                let n = rng.range(5, 10) as usize;
                let mut seen: Vec<String> = Vec::with_capacity(n);
                for ti in 0..n {
                    let mut t = names::township(&mut rng, urban);
                    while seen.contains(&t) {
                        t = names::township(&mut rng, urban);
                    }
                    seen.push(t.clone());
                    let tid = format!("{county_id}{:03}", ti + 1);
                    let township = add(Union {
                        email: rng.chance(0.9).then(|| email(&tid)),
                        id: tid,
                        name: format!("{county_name}{t}总工会"),
                        level: Level::Township,
                        parent: Some(county),
                        county,
                        upper: city,
                        township: 0,
                        area: format!("37{code}{:02}", ci + 1),
                        households: 0,
                        contacts: Vec::new(),
                    });
                    townships.push(township);
                }
            }
        }
        for (i, u) in unions.iter_mut().enumerate() {
            if matches!(u.level, Level::Province | Level::City | Level::County) {
                u.county = i;
            }
            u.township = i;
        }

        // Grassroots unions: about one per 40 households, at least one per township and
        // per industry union; about 5% of them under the industry unions.
        let wanted = (households as f64 / 40.0).round() as usize;
        let total = wanted.max(townships.len() + industry.len());
        let n_industry = (total / 20).max(industry.len());
        let n_geo = (total - n_industry).max(townships.len());
        let mut per_township = vec![1usize; townships.len()];
        for _ in townships.len()..n_geo {
            per_township[rng.below(townships.len() as u64) as usize] += 1;
        }
        let mut per_industry = vec![1usize; industry.len()];
        for _ in industry.len()..n_industry {
            per_industry[rng.below(industry.len() as u64) as usize] += 1;
        }
        let mut grassroots = Vec::with_capacity(n_geo + n_industry);
        for (&t, &n) in townships.iter().zip(&per_township) {
            let (county, upper, area) = (unions[t].county, unions[t].upper, unions[t].area.clone());
            let place = short_city(&unions[upper].name);
            for k in 0..n {
                let id = format!("{}-{:03}", unions[t].id, k + 1);
                let g = unions.len();
                unions.push(Union {
                    email: rng.chance(0.7).then(|| email(&id)),
                    id,
                    name: names::grassroots(&mut rng, &place),
                    level: Level::Grassroots,
                    parent: Some(t),
                    county,
                    upper,
                    township: t,
                    area: area.clone(),
                    households: 0,
                    contacts: Vec::new(),
                });
                grassroots.push(g);
            }
        }
        for (&ind, &n) in industry.iter().zip(&per_industry) {
            for k in 0..n {
                let id = format!("{}-{:04}", unions[ind].id, k + 1);
                let g = unions.len();
                let city = rng.pick(CITIES);
                unions.push(Union {
                    email: rng.chance(0.8).then(|| email(&id)),
                    id,
                    name: names::grassroots(&mut rng, "山东"),
                    level: Level::Grassroots,
                    parent: Some(ind),
                    county: ind,
                    upper: root,
                    township: g,
                    area: format!("37{}{:02}", city.0, 1 + rng.below(city.3.len() as u64)),
                    households: 0,
                    contacts: Vec::new(),
                });
                grassroots.push(g);
            }
        }

        // Households per grassroots union: about 40 on average, with heavy-tailed
        // weights (a few big employers). In a small province, where the tree has more
        // grassroots unions than households / 40, only that many unions (drawn at
        // random) have hardship households at all.
        const WEIGHTS: &[u64] = &[1, 1, 1, 2, 2, 3, 4, 8, 16];
        let with_households = wanted.max(1).min(grassroots.len());
        let mut order: Vec<usize> = (0..grassroots.len()).collect();
        for i in 0..with_households {
            let j = i + rng.below((order.len() - i) as u64) as usize;
            order.swap(i, j);
        }
        let mut weight = vec![0u64; grassroots.len()];
        for &i in &order[..with_households] {
            weight[i] = rng.pick(WEIGHTS);
        }
        let mut cumulative = Vec::with_capacity(grassroots.len());
        let mut acc = 0u64;
        for w in weight {
            acc += w;
            cumulative.push(acc);
        }
        let mut counts = vec![0u32; grassroots.len()];
        for _ in 0..households {
            let r = rng.below(acc);
            let i = cumulative.partition_point(|&c| c <= r);
            counts[i] += 1;
        }
        for (&g, &c) in grassroots.iter().zip(&counts) {
            unions[g].households = c;
        }

        let contacts = appoint_contacts(&mut rng, &mut unions);
        Tree {
            unions,
            contacts,
            grassroots,
        }
    }

    pub fn write_unions(&self, w: &mut TableWriter) -> Result<()> {
        for u in &self.unions {
            w.row(&[
                V::S(&u.id),
                V::S(&u.name),
                V::S(u.level.code()),
                u.parent.map_or(V::Null, |p| V::S(&self.unions[p].id)),
                u.email.as_deref().map_or(V::Null, V::S),
            ])?;
        }
        Ok(())
    }

    pub fn write_contacts(&self, w: &mut TableWriter) -> Result<()> {
        for c in &self.contacts {
            w.row(&[
                V::S(&c.id),
                V::S(&c.name),
                V::S(&self.unions[c.union].id),
                V::S(c.role),
                V::Bool(c.civil_servant),
                c.phone.as_deref().map_or(V::Null, V::S),
                V::Date(c.appointed),
                V::date(c.left),
            ])?;
        }
        Ok(())
    }
}

fn email(id: &str) -> String {
    format!("{}@unions.example.org", id.to_ascii_lowercase())
}

/// `济南市总工会` → `济南`; the province → `山东`.
fn short_city(name: &str) -> String {
    match name.find('市') {
        Some(i) => name[..i].to_string(),
        None => "山东".to_string(),
    }
}

/// Names the contacts of every union: a few at each level above grassroots, and about
/// one per eight households at grassroots unions that have households.
fn appoint_contacts(rng: &mut Rng, unions: &mut [Union]) -> Vec<Contact> {
    let mut contacts = Vec::new();
    for (ui, u) in unions.iter_mut().enumerate() {
        let n = match u.level {
            Level::Province => 3,
            Level::City | Level::County => rng.range(2, 4) as usize,
            Level::Township => usize::from(rng.chance(0.6)),
            Level::Grassroots if u.households == 0 => 0,
            Level::Grassroots => ((u.households as usize + 4) / 8).max(1),
        };
        let grassroots = u.level == Level::Grassroots;
        for k in 0..n {
            let appointed = if k == 0 {
                rng.range(day(2019, 1, 1) as i64, day(2020, 12, 31) as i64) as i32
            } else if rng.chance(0.7) {
                rng.range(day(2019, 1, 1) as i64, day(2021, 12, 31) as i64) as i32
            } else {
                rng.range(day(2022, 1, 1) as i64, day(2026, 6, 30) as i64) as i32
            };
            let left = (k > 0 && rng.chance(0.06) && appointed + 180 < END)
                .then(|| rng.range(appointed as i64 + 180, END as i64) as i32);
            let civil_servant = rng.chance(if grassroots { 0.07 } else { 0.35 });
            contacts.push(Contact {
                id: format!("C{:07}", contacts.len() + 1),
                name: names::person(rng),
                union: ui,
                role: if rng.chance(if grassroots { 0.3 } else { 0.8 }) {
                    "full_time"
                } else {
                    "part_time"
                },
                civil_servant,
                phone: rng.chance(0.97).then(|| names::phone(rng)),
                appointed,
                left,
            });
            u.contacts.push(contacts.len() - 1);
        }
    }
    contacts
}
