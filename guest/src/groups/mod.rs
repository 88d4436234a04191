//! Group-based licensing (GL1-GL10): groups whose members inherit the group's products.

pub mod rule;
