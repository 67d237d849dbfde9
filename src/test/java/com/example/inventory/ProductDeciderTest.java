package com.example.inventory;

import com.example.inventory.ProductCommand.CreateProduct;
import com.example.inventory.ProductCommand.Discontinue;
import com.example.inventory.ProductCommand.ReceiveStock;
import com.example.inventory.ProductCommand.ReserveStock;
import com.example.inventory.ProductEvent.ProductCreated;
import com.example.inventory.ProductEvent.ProductDiscontinued;
import com.example.inventory.ProductEvent.StockReceived;
import com.example.inventory.ProductEvent.StockReserved;
import io.ordo.es.DeciderFixture;
import io.ordo.module.Modules;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static com.example.inventory.ProductRejection.INSUFFICIENT_STOCK;
import static com.example.inventory.ProductRejection.PRODUCT_ALREADY_EXISTS;
import static com.example.inventory.ProductRejection.PRODUCT_DISCONTINUED;
import static com.example.inventory.ProductRejection.PRODUCT_NAME_REQUIRED;
import static com.example.inventory.ProductRejection.PRODUCT_NOT_FOUND;
import static com.example.inventory.ProductRejection.QUANTITY_NOT_POSITIVE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class ProductDeciderTest {

    private final DeciderFixture<ProductState, ProductCommand, ProductEvent> product =
            DeciderFixture.forDecider(new ProductDecider());

    private static final ProductCreated CREATED = new ProductCreated("Kettle", "K-1");

    @Test
    void aProductIsCreatedOnce() {
        product.given().when(new CreateProduct(" Kettle ", "K-1")).then(CREATED)
                .thenState(state -> assertEquals(0, state.stock()));
        product.given(CREATED).when(new CreateProduct("Kettle", "K-1")).thenRejected(PRODUCT_ALREADY_EXISTS);
        product.given().when(new CreateProduct(" ", null)).thenRejected(PRODUCT_NAME_REQUIRED);
    }

    @Test
    void stockIsReceivedAndReservedNeverBelowZero() {
        product.given(CREATED, new StockReceived(5)).when(new ReserveStock(5)).then(new StockReserved(5))
                .thenState(state -> assertEquals(0, state.stock()));
        product.given(CREATED, new StockReceived(5), new StockReserved(3)).when(new ReserveStock(3))
                .thenRejected(INSUFFICIENT_STOCK);
        product.given(CREATED).when(new ReceiveStock(0)).thenRejected(QUANTITY_NOT_POSITIVE);
        product.given(CREATED, new StockReceived(5)).when(new ReserveStock(-1)).thenRejected(QUANTITY_NOT_POSITIVE);
    }

    @Test
    void aDiscontinuedProductTakesNothingMore() {
        product.given(CREATED).when(new Discontinue("recalled")).then(new ProductDiscontinued("recalled"));
        product.given(CREATED, new ProductDiscontinued("recalled")).when(new ReceiveStock(1)).thenRejected(PRODUCT_DISCONTINUED);
        product.given(CREATED, new ProductDiscontinued("recalled")).when(new Discontinue("again")).thenRejected(PRODUCT_DISCONTINUED);
    }

    @Test
    void nothingHappensToAProductThatDoesNotExist() {
        product.given().when(new ReceiveStock(1)).thenRejected(PRODUCT_NOT_FOUND);
    }

    @Test
    void aVersionOneCreationIsReadAsVersionTwo() {
        Modules modules = Modules.of(List.of(new ProductModule()), Map.of());
        assertEquals(new ProductCreated("Teapot", null),
                modules.serializer().fromJson("ProductCreated", 1, "{\"title\":\"Teapot\"}"));
    }

    @Test
    void aModuleIsRegisteredOncePerTypeCollectionAndTopic() {
        assertThrows(IllegalArgumentException.class, () -> Modules.of(List.of(new ProductModule(), new ProductModule()), Map.of()));
        Modules modules = Modules.of(List.of(new ProductModule()), Map.of("Product", "shop.products"));
        assertEquals("shop.products", modules.topicOf("Product"));
        assertEquals("Product", modules.typeOfTopic("shop.products").orElseThrow());
    }
}
