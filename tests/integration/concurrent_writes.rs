//! Writers racing on one database: a moderator hiding and restoring a reply while members keep
//! replying. On SQLite a transaction that reads before it writes used to fail at once with
//! "database is locked" when another connection committed in between (seen in CI as a 500 on a
//! hide while the weekly digest was being mailed); every write must wait its turn instead.

use serde_json::json;

use crate::common::TestApp;
use goodpractice::accounts::Role;
use goodpractice::store::TopicAction;

const ROUNDS: usize = 60;

async fn a_hide_racing_other_writes_never_fails(app: TestApp) {
    let member = app.token_for("lan@bv.vn", "Nguyễn Thị Lan", Role::Member).await;
    let moderator = app.create_user("minh@bv.vn", "Trần Văn Minh", Role::Moderator).await;
    let topic = json!({"kind": "discussion", "title": "Kiểm tra chéo thuốc nguy cơ cao",
                       "body": "Khoa tôi dán nhãn đỏ cho kali clorid đậm đặc.", "category": "medication-safety"});
    let res = app.post_json("/api/v1/topics", Some(&member), &topic).await;
    assert_eq!(res.status(), 201);
    let topic_id = res.json::<serde_json::Value>().await.unwrap()["id"].as_i64().unwrap();
    let res = app.post_json(&format!("/api/v1/topics/{topic_id}/posts"), Some(&member), &json!({"body": "Trả lời đầu tiên."})).await;
    assert_eq!(res.status(), 201);
    let reply_id = res.json::<serde_json::Value>().await.unwrap()["id"].as_i64().unwrap();

    let hiding = async {
        for round in 0..ROUNDS {
            let status = if round % 2 == 0 { "rejected" } else { "published" };
            let action = TopicAction {
                actor_id: moderator,
                action: "hide",
                item_type: "post",
                item_id: reply_id,
                reason: "Lạc đề",
                before: None,
                after: None,
            };
            app.store
                .set_post_status_audited(reply_id, status, &action, "post_hidden")
                .await
                .unwrap_or_else(|err| panic!("hide {round} failed while others wrote: {err}"));
        }
    };
    let replying = async {
        for round in 0..ROUNDS {
            let res = app
                .post_json(&format!("/api/v1/topics/{topic_id}/posts"), Some(&member), &json!({"body": format!("Ý kiến số {round}.")}))
                .await;
            assert_eq!(res.status(), 201, "reply {round}: {}", res.text().await.unwrap());
        }
    };
    tokio::join!(hiding, replying);

    // The first reply ends restored (an even number of rounds), so all of them count.
    let topic = app.store.topic(topic_id).await.unwrap();
    assert_eq!(topic.reply_count, 1 + ROUNDS as i64, "every racing reply was counted once");
}

crate::on_both_databases!(a_hide_racing_other_writes_never_fails);
