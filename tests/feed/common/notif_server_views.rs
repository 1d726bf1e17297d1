//! What the scripted server saw (channels, tokens, requests) and what it
//! pushes down its channels on the test's word: notifications, system
//! messages and closes.

use serde_json::json;

use super::{CLOSE_MARK, NotifServer, deliver};

impl NotifServer {
    /// Channel ids in creation order.
    pub fn created(&self) -> Vec<String> {
        self.st.lock().unwrap().created.clone()
    }

    pub fn closed_by_client(&self) -> Vec<String> {
        let st = self.st.lock().unwrap();
        st.created
            .iter()
            .filter(|id| st.channels.get(*id).is_some_and(|c| c.closed_by_client))
            .cloned()
            .collect()
    }

    pub fn topics_of(&self, channel: &str) -> Vec<String> {
        self.st.lock().unwrap().channels[channel].topics.clone()
    }

    /// Channels the server closed because their token expired.
    pub fn expired(&self) -> Vec<String> {
        self.st.lock().unwrap().expired.clone()
    }

    pub fn tokens(&self) -> Vec<String> {
        self.st.lock().unwrap().tokens.clone()
    }

    /// "METHOD path?query" of every REST call, in order.
    pub fn requests(&self) -> Vec<String> {
        self.st.lock().unwrap().requests.clone()
    }

    /// Sets a queue's counts and notifies; returns the sequence number.
    pub fn observe(&self, queue: &str, idle: u64, interacting: u64, waiting: u64) -> u64 {
        let mut st = self.st.lock().unwrap();
        st.script
            .counts
            .insert(queue.to_string(), (idle, interacting, waiting));
        st.seq += 1;
        let seq = st.seq;
        let cid = st.script.correlation.clone().unwrap_or(seq.to_string());
        let topic = format!("v2.analytics.queues.{queue}.observations");
        let at = "2026-11-27T19:20:25.123Z";
        let frame = json!({
            "topicName": topic, "version": "2",
            "eventBody": {"group": {"queueId": queue, "mediaType": "voice"},
              "data": [{"interval": format!("{at}/{at}"), "metrics": [
                {"metric": "oOnQueueUsers", "qualifier": "IDLE", "stats": {"count": idle}},
                {"metric": "oOnQueueUsers", "qualifier": "INTERACTING", "stats": {"count": interacting}},
                {"metric": "oWaiting", "stats": {"count": waiting}}]}]},
            "metadata": {"CorrelationId": cid}
        })
        .to_string();
        deliver(&mut st, &topic, &frame);
        seq
    }

    /// A user's routing status changed, on the activity topic (active in
    /// every queue the script makes them a member of); returns the
    /// sequence number.
    pub fn user_status(&self, user: &str, status: &str) -> u64 {
        let active: Vec<String> = {
            let st = self.st.lock().unwrap();
            let mut qs: Vec<String> = st
                .script
                .members
                .iter()
                .filter(|(_, ms)| ms.iter().any(|m| m.user_id == user))
                .map(|(q, _)| q.clone())
                .collect();
            qs.sort();
            qs
        };
        self.activity(user, status, &active)
    }

    /// A user's activity: routing status and the queues they are active in.
    pub fn activity(&self, user: &str, status: &str, active: &[String]) -> u64 {
        let mut st = self.st.lock().unwrap();
        st.seq += 1;
        let seq = st.seq;
        let topic = format!("v2.users.{user}.activity");
        let frame = json!({
            "topicName": topic,
            "eventBody": {"id": user,
                "routingStatus": {"status": status, "startTime": "2026-11-27T19:20:25.123Z"},
                "presence": {"presenceDefinition": {"systemPresence": "On Queue"}},
                "activeQueueIds": active},
            "metadata": {"CorrelationId": seq.to_string()}
        })
        .to_string();
        deliver(&mut st, &topic, &frame);
        seq
    }

    /// A membership notification for `queue` (the script's member lists
    /// are the test's to change first); returns the sequence number.
    pub fn membership(&self, queue: &str, user: &str, joined: bool) -> u64 {
        let mut st = self.st.lock().unwrap();
        st.seq += 1;
        let seq = st.seq;
        let topic = format!("v2.routing.queues.{queue}.users");
        let frame = json!({
            "topicName": topic,
            "eventBody": {"id": user, "user": {"id": user}, "queueId": queue, "joined": joined},
            "metadata": {"CorrelationId": seq.to_string()}
        })
        .to_string();
        deliver(&mut st, &topic, &frame);
        seq
    }

    /// Sends `frame` as is to one channel.
    pub fn send_raw(&self, channel: &str, frame: &str) {
        let st = self.st.lock().unwrap();
        if let Some(tx) = st.channels.get(channel).and_then(|c| c.tx.as_ref()) {
            let _ = tx.send(frame.to_string());
        }
    }

    /// The server closes one channel's socket with `code`.
    pub fn close_channel(&self, channel: &str, code: u16) {
        self.send_raw(channel, &format!("{CLOSE_MARK}{code}"));
    }

    /// The server drops a channel's subscriptions and says so on it.
    pub fn no_longer_subscribed(&self, channel: &str) {
        if let Some(ch) = self.st.lock().unwrap().channels.get_mut(channel) {
            ch.topics.clear();
        }
        self.send_raw(
            channel,
            &format!(r#"{{"topicName":"v2.system.no_longer_subscribed.{channel}","eventBody":{{"message":"no longer subscribed"}}}}"#),
        );
    }

    /// Revokes every token issued so far (REST calls with one get 401)
    /// and says so on every open channel.
    pub fn revoke_tokens(&self) {
        let mut st = self.st.lock().unwrap();
        let tokens = st.tokens.clone();
        st.revoked.extend(tokens);
        let open: Vec<String> = st.channels.keys().cloned().collect();
        drop(st);
        for c in open {
            self.send_raw(
                &c,
                r#"{"topicName":"v2.system.token_revoked.client","eventBody":{"message":"token revoked"}}"#,
            );
        }
    }

    pub fn socket_closing(&self, channel: &str) {
        self.send_raw(
            channel,
            r#"{"topicName":"v2.system.socket_closing","eventBody":{"message":"closing"}}"#,
        );
    }
}
