//! Delivery: the durable outbox of e-mails, SMTP delivery, the e-mails that carry
//! documents, and the scheduler with what each kind of job produces.

pub mod messages;
pub mod outbox;
pub mod schedule;
pub mod smtp;
