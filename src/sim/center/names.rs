//! Name pools for the model contact center. Pure data, picked with a seeded
//! rng so the same seed always yields the same center.

pub(crate) const DEPARTMENTS: &[&str] = &[
    "Support",
    "Billing",
    "Sales",
    "Retention",
    "Tech",
    "Claims",
    "Bookings",
    "Returns",
    "Onboarding",
    "Collections",
];

/// Queue language suffix and the skill an interaction in that language needs
/// when the queue is not the language's home queue.
pub(crate) const LANGUAGES: &[(&str, &str)] = &[
    ("EN", "English"),
    ("ES", "Spanish"),
    ("DE", "German"),
    ("FR", "French"),
    ("IT", "Italian"),
    ("NL", "Dutch"),
    ("PT", "Portuguese"),
];

/// Skills an agent may hold besides languages.
pub(crate) const SKILLS: &[&str] = &["Billing", "Tech", "VIP", "Escalations", "Retention"];

pub(crate) const FIRST_NAMES: &[&str] = &[
    "Ana", "Ben", "Carla", "David", "Elena", "Farid", "Greta", "Hugo", "Ines", "Jonas", "Kira",
    "Luis", "Maya", "Nils", "Olga", "Pablo", "Quinn", "Rosa", "Sven", "Tara", "Umar", "Vera",
    "Wim", "Xenia", "Yusuf", "Zoe",
];

pub(crate) const LAST_NAMES: &[&str] = &[
    "Ruiz", "Meyer", "Rossi", "Dubois", "Jansen", "Silva", "Novak", "Berg", "Costa", "Fischer",
    "Moreau", "Smith", "Lopez", "Weber", "Bianchi", "Kowalski", "Haddad", "Olsen", "Santos",
    "Keller",
];

/// The `number`th person's name: every first name once, then again with
/// another last name, so names repeat only after hundreds of people.
pub(crate) fn person(number: usize) -> String {
    let first = FIRST_NAMES[number % FIRST_NAMES.len()];
    let last = LAST_NAMES[(number / FIRST_NAMES.len() + number * 7) % LAST_NAMES.len()];
    format!("{first} {last}")
}
