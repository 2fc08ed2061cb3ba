//! In-process group helpers of the [`Emulator`]: `CreateGroup` and
//! `AdminAddUserToGroup`, through the same handlers as the HTTP operations.

use super::Emulator;
use crate::error::EmulatorError;
use crate::user_pool::groups;

impl Emulator {
    /// `CreateGroup`: a group `name` in `pool_id`.
    pub fn create_group(&self, pool_id: &str, name: &str) -> Result<(), EmulatorError> {
        self.with_state(|st| groups::insert_group(st, pool_id, name, ""))
            .map_err(Into::into)
    }

    /// `AdminAddUserToGroup`: the user's next tokens carry `name` in `cognito:groups`.
    pub fn admin_add_user_to_group(
        &self,
        pool_id: &str,
        username: &str,
        name: &str,
    ) -> Result<(), EmulatorError> {
        self.with_state(|st| groups::set_member(st, pool_id, username, name, true))
            .map_err(Into::into)
    }
}
