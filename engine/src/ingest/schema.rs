//! The archive's tables as data: columns, types, requirements, enumerations and keys.
//!
//! This is the single description of the archive format (see `docs/archive.md`); the
//! loader, the validator, the generator and the SQL all follow it.

use std::sync::Arc;

use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};

/// Money is stored exactly, in cents, as `Decimal128(MONEY_PRECISION, 2)`.
pub const MONEY_PRECISION: u8 = 18;
/// The scale of money: two decimals (cents).
pub const MONEY_SCALE: i8 = 2;

/// The type of one column, as the archive format names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColType {
    /// 1–64 characters of `[A-Za-z0-9_.-]`.
    Id,
    /// Any UTF-8; never trimmed.
    Text,
    /// `YYYY-MM-DD`, a real calendar day.
    Date,
    /// `true`/`false`/`1`/`0`, any case.
    Bool,
    /// A whole number.
    Int,
    /// Non-negative decimal CNY with at most two decimals.
    Money,
    /// A lower-case code from a fixed list.
    Enum(&'static [&'static str]),
    /// `YYYY-MM`, a real month.
    Month,
}

impl ColType {
    /// The Arrow type a column of this type is stored as.
    pub fn arrow(self) -> DataType {
        match self {
            ColType::Id | ColType::Text | ColType::Enum(_) | ColType::Month => DataType::Utf8,
            ColType::Date => DataType::Date32,
            ColType::Bool => DataType::Boolean,
            ColType::Int => DataType::Int64,
            ColType::Money => DataType::Decimal128(MONEY_PRECISION, MONEY_SCALE),
        }
    }

    /// Whether surrounding spaces are trimmed from values of this type.
    pub fn trims(self) -> bool {
        !matches!(self, ColType::Text)
    }
}

/// A range rule on a single numeric column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Range {
    /// No range rule.
    None,
    /// value ≥ n
    AtLeast(i64),
    /// value > 0 (money)
    Positive,
    /// lo ≤ value ≤ hi
    Between(i64, i64),
}

/// One column of a table: its name, type, whether it is required and its range rule.
#[derive(Debug, Clone, Copy)]
pub struct Column {
    /// The column's name, as in the file's header.
    pub name: &'static str,
    /// The column's type.
    pub ty: ColType,
    /// Whether an empty cell rejects the row.
    pub required: bool,
    /// The range rule on its values.
    pub range: Range,
}

/// A foreign key: `column` names a row of `target` (by its key column).
#[derive(Debug, Clone, Copy)]
pub struct Reference {
    /// The referring column of this table.
    pub column: &'static str,
    /// The name of the table referred to.
    pub target: &'static str,
}

/// One table of the archive format.
#[derive(Debug, Clone, Copy)]
pub struct Table {
    /// The table's name, also its file's stem (`households`).
    pub name: &'static str,
    /// The Chinese label used in reports.
    pub label: &'static str,
    /// The columns, in the order of the archive format.
    pub columns: &'static [Column],
    /// Columns whose combined values must be unique (empty: no key).
    pub key: &'static [&'static str],
    /// Required tables make the archive unreadable when missing.
    pub required: bool,
    /// The table's foreign keys.
    pub references: &'static [Reference],
    /// A pair `(from, to)` where `to` must not be before `from`.
    pub ordered_dates: Option<(&'static str, &'static str)>,
}

impl Table {
    /// The column named `name`, with its index.
    pub fn column(&self, name: &str) -> Option<(usize, &Column)> {
        self.columns
            .iter()
            .enumerate()
            .find(|(_, c)| c.name == name)
    }

    /// The Arrow schema of the table (optional columns nullable).
    pub fn arrow_schema(&self) -> SchemaRef {
        let fields: Vec<Field> = self
            .columns
            .iter()
            .map(|c| Field::new(c.name, c.ty.arrow(), !c.required))
            .collect();
        Arc::new(Schema::new(fields))
    }
}

const fn col(name: &'static str, ty: ColType) -> Column {
    Column {
        name,
        ty,
        required: false,
        range: Range::None,
    }
}

const fn req(name: &'static str, ty: ColType) -> Column {
    Column {
        name,
        ty,
        required: true,
        range: Range::None,
    }
}

const fn ranged(name: &'static str, ty: ColType, range: Range) -> Column {
    Column {
        name,
        ty,
        required: true,
        range,
    }
}

const fn fk(column: &'static str, target: &'static str) -> Reference {
    Reference { column, target }
}

/// `unions.level`: the levels of the union tree, top down.
pub const LEVELS: &[&str] = &["province", "city", "county", "township", "grassroots"];
/// `contacts.role`: full-time or part-time contact.
pub const ROLES: &[&str] = &["full_time", "part_time", "liaison"];
/// `households.cause`: the cause of the household's hardship.
pub const CAUSES: &[&str] = &[
    "illness",
    "disability",
    "unemployment",
    "education",
    "disaster",
    "other",
];
/// `crosschecks.department`: the department whose data was compared (工商, 住建, 公安).
pub const DEPARTMENTS: &[&str] = &["market", "housing", "police"];
/// `crosschecks.flag`: what the department's data showed about the household.
pub const FLAGS: &[&str] = &[
    "none", "business", "property", "vehicle", "deceased", "other",
];
/// `crosschecks.outcome`: the verification's result (flag confirmed, or cleared).
pub const OUTCOMES: &[&str] = &["confirmed", "cleared"];
/// `disbursements.category`: what the assistance paid for.
pub const CATEGORIES: &[&str] = &[
    "living",
    "medical",
    "education",
    "employment",
    "housing",
    "emergency",
];
/// `disbursements.source`: where the money came from.
pub const SOURCES: &[&str] = &["union_fund", "fiscal", "donation"];
/// `subsidies.kind`: the contact's transport or phone subsidy (交通、通讯补贴).
pub const SUBSIDY_KINDS: &[&str] = &["transport", "phone"];
/// `inspections.kind`: self-check, spot check or census (自查、抽查、普查).
pub const INSPECTION_KINDS: &[&str] = &["self_check", "spot_check", "census"];
/// `inspections.severity`: how serious the problem found is.
pub const SEVERITIES: &[&str] = &["minor", "major"];
/// `rectifications.rule`: the rules whose findings can be rectified (every rule of
/// metrics.md and accountability.md but K1).
pub const RECTIFIABLE_RULES: &[&str] = &[
    "V1", "V2", "V3", "V4", "V5", "A1", "A2", "A3", "C1", "C2", "F1", "F2", "F3", "F4", "F5", "E1",
    "E2", "E3", "R1", "R2", "I1", "S1", "S2", "U1",
];
/// `referrals.need`: what the household needs from a department.
pub const NEEDS: &[&str] = &[
    "subsistence",
    "medical",
    "employment",
    "schooling",
    "housing",
    "other",
];
/// `referrals.department`: the department the need is referred to.
pub const REFERRAL_DEPARTMENTS: &[&str] = &[
    "civil_affairs",
    "human_resources",
    "medical_insurance",
    "education",
    "housing",
    "other",
];
/// `referrals.outcome`: granted or refused; NULL while pending.
pub const REFERRAL_OUTCOMES: &[&str] = &["granted", "refused"];

use ColType::*;

/// Every table of the archive format, in its order.
pub const TABLES: &[Table] = &[
    Table {
        name: "unions",
        label: "工会组织",
        columns: &[
            req("union_id", Id),
            req("name", Text),
            req("level", Enum(LEVELS)),
            col("parent_id", Id),
            col("email", Text),
        ],
        key: &["union_id"],
        required: true,
        // The parent reference is checked with the union tree (validate::tree).
        references: &[],
        ordered_dates: None,
    },
    Table {
        name: "contacts",
        label: "困难职工联系人",
        columns: &[
            req("contact_id", Id),
            req("name", Text),
            req("union_id", Id),
            req("role", Enum(ROLES)),
            req("civil_servant", Bool),
            col("phone", Text),
            req("appointed_on", Date),
            col("left_on", Date),
        ],
        key: &["contact_id"],
        required: true,
        references: &[fk("union_id", "unions")],
        ordered_dates: None,
    },
    Table {
        name: "households",
        label: "困难职工家庭档案",
        columns: &[
            req("household_id", Id),
            req("head_name", Text),
            req("id_number", Text),
            col("phone", Text),
            req("union_id", Id),
            req("cause", Enum(CAUSES)),
            ranged("members", Int, Range::AtLeast(1)),
            col("income_per_capita", Money),
            req("filed_on", Date),
            col("filing_approved_by", Id),
        ],
        key: &["household_id"],
        required: true,
        references: &[fk("union_id", "unions"), fk("filing_approved_by", "unions")],
        ordered_dates: None,
    },
    Table {
        name: "assignments",
        label: "联系人对应安排",
        columns: &[
            req("household_id", Id),
            req("contact_id", Id),
            req("from_date", Date),
            col("to_date", Date),
        ],
        key: &[],
        required: false,
        references: &[
            fk("household_id", "households"),
            fk("contact_id", "contacts"),
        ],
        ordered_dates: Some(("from_date", "to_date")),
    },
    Table {
        name: "visits",
        label: "调查家访",
        columns: &[
            req("visit_id", Id),
            req("household_id", Id),
            req("contact_id", Id),
            req("visited_on", Date),
            ranged("photos", Int, Range::AtLeast(0)),
            ranged("videos", Int, Range::AtLeast(0)),
            col("uploaded_on", Date),
            col("notes", Text),
        ],
        key: &["visit_id"],
        required: false,
        references: &[
            fk("household_id", "households"),
            fk("contact_id", "contacts"),
        ],
        ordered_dates: None,
    },
    Table {
        name: "crosschecks",
        label: "部门数据比对反馈",
        columns: &[
            req("check_id", Id),
            req("household_id", Id),
            req("department", Enum(DEPARTMENTS)),
            req("received_on", Date),
            req("flag", Enum(FLAGS)),
            col("verified_on", Date),
            col("outcome", Enum(OUTCOMES)),
        ],
        key: &["check_id"],
        required: false,
        references: &[fk("household_id", "households")],
        ordered_dates: None,
    },
    Table {
        name: "exits",
        label: "解困脱困申请",
        columns: &[
            req("exit_id", Id),
            req("household_id", Id),
            req("applied_on", Date),
            req("worker_signed", Bool),
            col("approved_by", Id),
            col("approved_on", Date),
        ],
        key: &["exit_id"],
        required: false,
        references: &[
            fk("household_id", "households"),
            fk("approved_by", "unions"),
        ],
        ordered_dates: None,
    },
    Table {
        name: "disbursements",
        label: "帮扶资金发放",
        columns: &[
            req("payment_id", Id),
            req("union_id", Id),
            col("household_id", Id),
            req("category", Enum(CATEGORIES)),
            ranged("amount", Money, Range::Positive),
            req("paid_on", Date),
            col("approved_on", Date),
            req("source", Enum(SOURCES)),
        ],
        key: &["payment_id"],
        required: false,
        references: &[fk("union_id", "unions"), fk("household_id", "households")],
        ordered_dates: None,
    },
    Table {
        name: "subsidies",
        label: "联系人交通通讯补贴",
        columns: &[
            req("subsidy_id", Id),
            req("contact_id", Id),
            req("union_id", Id),
            req("month", Month),
            req("kind", Enum(SUBSIDY_KINDS)),
            ranged("amount", Money, Range::Positive),
        ],
        key: &["subsidy_id"],
        required: false,
        references: &[fk("contact_id", "contacts"), fk("union_id", "unions")],
        ordered_dates: None,
    },
    Table {
        name: "budgets",
        label: "解困脱困专项资金预算",
        columns: &[req("union_id", Id), req("year", Int), req("amount", Money)],
        key: &["union_id", "year"],
        required: false,
        references: &[fk("union_id", "unions")],
        ordered_dates: None,
    },
    Table {
        name: "requests",
        label: "临时困难诉求",
        columns: &[
            req("request_id", Id),
            req("household_id", Id),
            req("raised_on", Date),
            col("kind", Text),
            col("resolved_on", Date),
        ],
        key: &["request_id"],
        required: false,
        references: &[fk("household_id", "households")],
        ordered_dates: None,
    },
    Table {
        name: "trainings",
        label: "联系人业务培训",
        columns: &[
            req("contact_id", Id),
            req("trained_on", Date),
            col("course", Text),
        ],
        key: &[],
        required: false,
        references: &[fk("contact_id", "contacts")],
        ordered_dates: None,
    },
    Table {
        name: "feedback",
        label: "帮扶满意度评价",
        columns: &[
            req("household_id", Id),
            req("contact_id", Id),
            req("rated_on", Date),
            ranged("score", Int, Range::Between(1, 5)),
        ],
        key: &[],
        required: false,
        references: &[
            fk("household_id", "households"),
            fk("contact_id", "contacts"),
        ],
        ordered_dates: None,
    },
    Table {
        name: "inspections",
        label: "督查检查记录",
        columns: &[
            req("inspection_id", Id),
            req("union_id", Id),
            req("kind", Enum(INSPECTION_KINDS)),
            req("inspected_on", Date),
            req("severity", Enum(SEVERITIES)),
            col("contact_id", Id),
            req("description", Text),
            col("resolved_on", Date),
        ],
        key: &["inspection_id"],
        required: false,
        references: &[fk("union_id", "unions"), fk("contact_id", "contacts")],
        ordered_dates: None,
    },
    Table {
        name: "rectifications",
        label: "整改报告",
        columns: &[
            req("rectification_id", Id),
            req("rule", Enum(RECTIFIABLE_RULES)),
            req("subject_id", Id),
            req("occurred_on", Date),
            req("reported_on", Date),
            col("verified_by", Id),
            col("verified_on", Date),
            col("action", Text),
        ],
        key: &["rectification_id"],
        required: false,
        references: &[fk("verified_by", "unions")],
        ordered_dates: None,
    },
    Table {
        name: "referrals",
        label: "需求转介",
        columns: &[
            req("referral_id", Id),
            req("household_id", Id),
            req("contact_id", Id),
            req("need", Enum(NEEDS)),
            req("department", Enum(REFERRAL_DEPARTMENTS)),
            req("referred_on", Date),
            col("forwarded_on", Date),
            col("outcome", Enum(REFERRAL_OUTCOMES)),
            col("closed_on", Date),
        ],
        key: &["referral_id"],
        required: false,
        references: &[
            fk("household_id", "households"),
            fk("contact_id", "contacts"),
        ],
        ordered_dates: None,
    },
];

/// The table of that name, if the archive format has one.
pub fn table(name: &str) -> Option<&'static Table> {
    TABLES.iter().find(|t| t.name == name)
}

/// The key column of a referenced table (`unions` → `union_id`).
pub fn key_column(table_name: &str) -> &'static str {
    match table(table_name) {
        Some(t) if t.key.len() == 1 => t.key[0],
        _ => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sixteen_tables_with_unique_names() {
        assert_eq!(TABLES.len(), 16);
        let mut names: Vec<_> = TABLES.iter().map(|t| t.name).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), 16);
    }

    #[test]
    fn keys_and_references_name_real_columns() {
        for t in TABLES {
            for k in t.key {
                assert!(t.column(k).is_some(), "{}.{k}", t.name);
            }
            for r in t.references {
                assert!(t.column(r.column).is_some(), "{}.{}", t.name, r.column);
                assert!(
                    !key_column(r.target).is_empty(),
                    "{} has no single key",
                    r.target
                );
            }
        }
    }
}
